"""The dashboard's figures: the three rates, cases over time by category and by place, busiest grids, questions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import kb
from bot.app import Bot
from bot.simulated import REAL_ROWS
from bot.web.scope import Scope

PERIODS = {"7": "近 7 天", "30": "近 30 天", "90": "近 90 天", "365": "近一年"}


def _where(scope: Scope) -> tuple[str, list[str]]:
    """The real cases in the scope as SQL on the cases table (the scope as Scope.sees_case has it; the simulator's
    practice cases are left out of every figure, as in the stats command)."""
    if scope.everything:
        return REAL_ROWS, []
    parts, params = [], []
    for column, names in (("street", scope.streets), ("community", scope.communities), ("grid", scope.grids)):
        if names:
            parts.append(f"{column} IN ({', '.join('?' for _ in names)})")
            params += sorted(names)
    return f"{REAL_ROWS} AND ({' OR '.join(parts) or '0'})", params


def headline(bot: Bot, scope: Scope, start: str, end: str) -> dict:
    """办结率, 按时办结率, 满意率 for the scope, from the same figures the `stats` command prints."""
    if scope.everything:
        return bot.stats.compute(start, end)
    if scope.streets:
        by, units = "street", scope.streets
    elif scope.communities:
        by, units = "community", scope.communities
    else:
        by, units = "grid", scope.grids
    rows = [r for r in bot.stats.compute(start, end, by=by) if r["key"] in units]
    total = {k: sum(r.get(k, 0) for r in rows) for k in ("cases", "closed", "on_time", "rated")}
    happy = sum(round(r["satisfaction_rate"] * r.get("rated", 0)) for r in rows)
    return {**total, "closure_rate": total["closed"] / total["cases"] if total["cases"] else 0.0,
            "on_time_rate": total["on_time"] / total["closed"] if total["closed"] else 0.0,
            "satisfaction_rate": happy / total["rated"] if total["rated"] else 0.0}


def _buckets(start: date, end: date, weekly: bool) -> list[str]:
    step = timedelta(days=7 if weekly else 1)
    day = start - timedelta(days=start.weekday()) if weekly else start
    out = []
    while day <= end:
        out.append(day.isoformat())
        day += step
    return out


def _bucket(created: str, weekly: bool) -> str:
    day = date.fromisoformat(created[:10])
    return (day - timedelta(days=day.weekday())).isoformat() if weekly else day.isoformat()


def series(bot: Bot, scope: Scope, start: datetime, column: str, labels: dict[str, str] | None = None,
           top: int = 8) -> dict:
    """Cases per day (per week beyond a month) for each value of `column`, the `top` biggest and 其他."""
    where, params = _where(scope)
    rows = bot.db.execute(f"SELECT created_at, {column} FROM cases WHERE created_at >= ? AND {where}",
                          [start.date().isoformat(), *params]).fetchall()
    weekly = (bot.clock.now().date() - start.date()).days > 31
    dates = _buckets(start.date(), bot.clock.now().date(), weekly)
    totals: dict[str, int] = {}
    for _, key in rows:
        totals[key or ""] = totals.get(key or "", 0) + 1
    keep = sorted(totals, key=lambda k: -totals[k])[:top]
    counts = {k: dict.fromkeys(dates, 0) for k in [*keep, "其他"]}
    for created, key in rows:
        name = key if key in keep else "其他"
        bucket = _bucket(created, weekly)
        if bucket in counts[name]:
            counts[name][bucket] += 1
    labels = labels or {}
    return {"dates": dates, "weekly": weekly, "series": [
        {"name": labels.get(k, k) or "未知", "data": list(v.values())} for k, v in counts.items() if any(v.values())]}


def busiest_grids(bot: Bot, scope: Scope, start: datetime, limit: int = 10) -> list[dict]:
    where, params = _where(scope)
    return list(bot.db.query(
        f"SELECT grid, community, count(*) AS cases, sum(state IN ('accepted', 'assigned', 'in_progress', 'returned')) "
        f"AS open FROM cases WHERE created_at >= ? AND {where} GROUP BY grid ORDER BY cases DESC, grid LIMIT ?",
        [start.date().isoformat(), *params, limit]))


def place_column(scope: Scope) -> tuple[str, str]:
    """Cases over time by the level just under the user's own: streets for the district, and so on."""
    if scope.everything:
        return "street", "按街道"
    if scope.streets:
        return "community", "按社区"
    return "grid", "按网格"


def most_asked(bot: Bot, scope: Scope, limit: int = 10) -> list[dict]:
    """The entries answered most often among those the user may see: district-wide ones and their places' own."""
    return kb.most_asked(bot.db, limit, owners=None if scope.everything else set(scope.units))
