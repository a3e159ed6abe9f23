"""The district registry in the store: which group belongs to which grid, and who answers for it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.simulated import alike, real
from knowledge.registryfile import RegistryRow


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    channel: str
    user_id: str
    kind: str  # "worker" | "contact"


@dataclass(frozen=True, slots=True)
class GroupInfo:
    channel: str
    group_id: str
    name: str
    grid: str
    community: str
    street: str


def replace_registry(db: Database, rows: list[RegistryRow]) -> None:
    """Make `rows` the whole registry, in one transaction (the caller validated them)."""
    with db.atomic():
        for table in ("people", "groups", "grids", "communities", "streets"):
            db.execute(f"DELETE FROM {table}")
        db["streets"].insert_all(({"name": s} for s in dict.fromkeys(r.street for r in rows)), pk="name")
        communities = {r.community: r.street for r in rows}
        db["communities"].insert_all(({"name": c, "street": s} for c, s in communities.items()), pk="name")
        grids = {r.grid: r.community for r in rows if r.grid}
        db["grids"].insert_all(({"name": g, "community": c} for g, c in grids.items()), pk="name")
        db["groups"].insert_all(
            ({"channel": r.channel, "group_id": r.id, "name": r.name, "grid": r.grid} for r in rows if r.kind == "group"),
            pk=("channel", "group_id"),
        )
        db["people"].insert_all(
            (
                {"kind": r.kind, "name": r.name, "channel": r.channel, "user_id": r.id,
                 "community": r.community, "grid": r.grid or None}
                for r in rows if r.kind in ("worker", "contact")
            ),
            pk="id",
        )


def registry_rows(db: Database) -> list[RegistryRow]:
    rows = [
        RegistryRow("group", r["street"], r["community"], r["grid"], r["channel"], r["group_id"], r["name"])
        for r in db.query(
            "SELECT g.*, gr.community, c.street FROM groups g JOIN grids gr ON gr.name = g.grid "
            "JOIN communities c ON c.name = gr.community"
        )
    ]
    rows += [
        RegistryRow(r["kind"], r["street"], r["community"], r["grid"] or "", r["channel"], r["user_id"], r["name"])
        for r in db.query("SELECT p.*, c.street FROM people p JOIN communities c ON c.name = p.community")
    ]
    return rows


def find_group(db: Database, channel: str, group_id: str) -> GroupInfo | None:
    """The registered group; on a simulated channel, the real group's registration under the simulated name."""
    row = db.execute(
        "SELECT g.channel, g.group_id, g.name, g.grid, gr.community, c.street FROM groups g "
        "JOIN grids gr ON gr.name = g.grid JOIN communities c ON c.name = gr.community "
        "WHERE g.channel = ? AND g.group_id = ?",
        [real(channel), group_id],
    ).fetchone()
    return GroupInfo(channel, *row[1:]) if row else None


def responders(db: Database, grid: str, channel: str) -> list[Person]:
    """The grid's workers on `channel`; if it has none there, the community contact (the fallback)."""
    workers = [
        Person(r["name"], channel, r["user_id"], r["kind"])
        for r in db.query("SELECT * FROM people WHERE kind = 'worker' AND grid = ? AND channel = ? ORDER BY id",
                          [grid, real(channel)])
    ]
    if workers:
        return workers
    return [
        Person(r["name"], channel, r["user_id"], r["kind"])
        for r in db.query(
            "SELECT p.* FROM people p JOIN grids g ON g.community = p.community "
            "WHERE p.kind = 'contact' AND g.name = ? AND p.channel = ? ORDER BY p.id",
            [grid, real(channel)],
        )
    ]


def community_contacts(db: Database, community: str, channel: str) -> list[Person]:
    """The community's contacts, each once: on `channel` where they have an account there, else on another."""
    people: dict[str, Person] = {}
    for r in db.query("SELECT * FROM people WHERE kind = 'contact' AND community = ? ORDER BY channel != ?, id",
                      [community, real(channel)]):
        people.setdefault(r["name"], Person(r["name"], alike(channel, r["channel"]), r["user_id"], r["kind"]))
    return list(people.values())


def actor_rows(db: Database, channel: str, user_id: str) -> list[dict]:
    """The registry rows of a worker or community contact writing from this account."""
    return list(db.query("SELECT * FROM people WHERE channel = ? AND user_id = ?", [real(channel), user_id]))


def grids_of(db: Database, rows: list[dict]) -> frozenset[str]:
    grids = {r["grid"] for r in rows if r["kind"] == "worker" and r["grid"]}
    for r in rows:
        if r["kind"] == "contact":
            grids |= {g["name"] for g in db.query("SELECT name FROM grids WHERE community = ?", [r["community"]])}
    return frozenset(grids)


def groups_json(db: Database) -> list[dict]:
    """The `registry groups --json` contract."""
    people: dict[str, list[dict]] = {}
    for r in db.query("SELECT * FROM people WHERE kind = 'worker' ORDER BY grid, channel, user_id"):
        people.setdefault(r["grid"], []).append({"name": r["name"], "channel": r["channel"], "user_id": r["user_id"]})
    return [
        {
            "channel": r["channel"], "group_id": r["group_id"], "name": r["name"], "grid": r["grid"],
            "community": r["community"], "street": r["street"], "workers": people.get(r["grid"], []),
        }
        for r in db.query(
            "SELECT g.*, gr.community, c.street FROM groups g JOIN grids gr ON gr.name = g.grid "
            "JOIN communities c ON c.name = gr.community ORDER BY c.street, gr.community, g.grid, g.channel, g.group_id"
        )
    ]


def note_unknown_group(db: Database, channel: str, group_id: str, at: str) -> None:
    db.execute(
        "INSERT INTO unknown_groups (channel, group_id, first_seen, last_seen, messages) VALUES (?, ?, ?, ?, 1) "
        "ON CONFLICT (channel, group_id) DO UPDATE SET last_seen = excluded.last_seen, messages = messages + 1",
        [channel, group_id, at, at],
    )
