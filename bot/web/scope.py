"""What one console user may see and change: the streets, communities and grids under their scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.accounts import User


@dataclass(frozen=True, slots=True)
class Scope:
    # None: the whole district. Otherwise the units owned, with everything under them filled in.
    streets: frozenset[str] | None
    communities: frozenset[str] | None
    grids: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.grids is None

    @property
    def units(self) -> frozenset[str]:
        """Names an entry's owner may take (empty for district admins, who may use any)."""
        return (self.streets or frozenset()) | (self.communities or frozenset()) | (self.grids or frozenset())

    def covers(self, street: str | None = None, community: str | None = None, grid: str | None = None) -> bool:
        """Whether a case, group or person filed under these names is within the scope."""
        if self.everything:
            return True
        return (bool(street) and street in self.streets) or (bool(community) and community in self.communities) \
            or (bool(grid) and grid in self.grids)

    def sees_case(self, case: dict) -> bool:
        return self.covers(case.get("street"), case.get("community"), case.get("grid"))

    def owns_entry(self, owner: str) -> bool:
        """District-wide entries (owner "") belong to the district admins; others to the unit's admins."""
        return self.everything or (bool(owner) and owner in self.units)


def _names(db: Database, sql: str, values: frozenset[str]) -> frozenset[str]:
    if not values:
        return frozenset()
    marks = ", ".join("?" for _ in values)
    return frozenset(r[0] for r in db.execute(sql.format(marks=marks), sorted(values)).fetchall())


def scope_of(db: Database, user: User) -> Scope:
    """Worked out from the registry at each request, so a re-drawn grid takes effect at once."""
    owned = frozenset(user.scope)
    if user.role == "district":
        return Scope(None, None, None)
    if user.role == "street":
        communities = _names(db, "SELECT name FROM communities WHERE street IN ({marks})", owned)
        grids = _names(db, "SELECT name FROM grids WHERE community IN ({marks})", communities)
        return Scope(owned, communities, grids)
    if user.role == "community":
        return Scope(frozenset(), owned, _names(db, "SELECT name FROM grids WHERE community IN ({marks})", owned))
    return Scope(frozenset(), frozenset(), owned)


def place_options(db: Database, scope: Scope) -> dict[str, list[str]]:
    """The streets, communities and grids to offer in filters and forms."""
    streets = [r[0] for r in db.execute("SELECT name FROM streets ORDER BY name").fetchall()]
    communities = db.execute("SELECT name, street FROM communities ORDER BY street, name").fetchall()
    grids = db.execute("SELECT g.name, g.community, c.street FROM grids g JOIN communities c ON c.name = g.community "
                       "ORDER BY c.street, g.community, g.name").fetchall()
    return {
        "streets": [s for s in streets if scope.everything or s in scope.streets],
        "communities": [c for c, s in communities if scope.covers(street=s, community=c)],
        "grids": [g for g, c, s in grids if scope.covers(s, c, g)],
    }


def scope_for(request) -> Scope:
    """The signed-in user's scope (worked out once per request)."""
    from bot.web.keys import BOT, SCOPE, USER

    if SCOPE not in request:
        request[SCOPE] = scope_of(request.config_dict[BOT].db, request[USER])
    return request[SCOPE]
