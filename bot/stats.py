"""Case statistics: counts, 办结率 (closure rate), 按时办结率 (on-time rate) and 满意率 (satisfaction rate)."""

from __future__ import annotations

import re
from datetime import date

from sqlite_utils import Database

from bot.simulated import REAL_ROWS

KEYS = ("street", "community", "grid", "category")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class StatsError(ValueError):
    pass


def _day(value: str, flag: str) -> str:
    """A first or last day as given: a real calendar date written YYYY-MM-DD, or a StatsError naming the format."""
    try:
        if _DAY.fullmatch(value.strip()):
            return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    raise StatsError(f"{flag} 的日期应写成 YYYY-MM-DD（例如 2026-11-01），“{value}” 不是有效日期")


def _rates(rows: list[dict]) -> dict:
    cases = len(rows)
    closed = [r for r in rows if r["resolved_at"]]
    on_time = [r for r in closed if r["resolved_at"] <= r["due_at"]]
    rated = [r for r in rows if r["rating"]]
    happy = [r for r in rated if r["rating"] in ("satisfied", "fair")]
    return {
        "cases": cases,
        "closed": len(closed),
        "closure_rate": round(len(closed) / cases, 4) if cases else 0.0,
        "on_time": len(on_time),
        "on_time_rate": round(len(on_time) / len(closed), 4) if closed else 0.0,
        "rated": len(rated),
        "satisfaction_rate": round(len(happy) / len(rated), 4) if rated else 0.0,
        "overdue_open": sum(1 for r in rows if not r["resolved_at"] and r["escalated_at"]),
    }


class Stats:
    def __init__(self, db: Database):
        self.db = db

    def compute(self, start: str | None = None, end: str | None = None, by: str | None = None) -> dict | list[dict]:
        """Figures for cases created in [start, end) (ISO dates); with `by`, one dict per key, busiest first.
        Real cases only: those the console's simulator filed are practice, and would skew the closure rate."""
        if by is not None and by not in KEYS:
            raise StatsError(f"--by 只能是 {' / '.join(KEYS)}，不能是 {by}")
        clauses, params = [REAL_ROWS], []
        if start is not None:
            clauses.append("created_at >= ?")
            params.append(_day(start, "--from"))
        if end is not None:
            clauses.append("created_at < ?")
            params.append(_day(end, "--to"))
        where = f"WHERE {' AND '.join(clauses)}"
        rows = list(self.db.query(f"SELECT * FROM cases {where}", params))
        if by is None:
            return _rates(rows)
        groups: dict[str, list[dict]] = {}
        for row in rows:
            groups.setdefault(row[by] or "", []).append(row)
        figures = [{"key": key, **_rates(members)} for key, members in groups.items()]
        return sorted(figures, key=lambda f: (-f["cases"], f["key"]))
