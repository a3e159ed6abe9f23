"""Grid cases (网格事项): filing, numbering, the timeline of events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.clock import Clock

# The contract's states (DESIGN.md); labels for people.
STATES = {
    "accepted": "受理", "assigned": "已派遣", "in_progress": "处置中",
    "resolved": "已办结", "closed": "已评价", "returned": "已退回",
}


@dataclass(frozen=True, slots=True)
class NewCase:
    id: str
    due_at: datetime


def next_number(db: Database, clock: Clock) -> str:
    """SF-20261126-0007: the district prefix, the day, a per-day sequence (call inside a transaction)."""
    day = clock.now().strftime("%Y%m%d")
    db.execute("INSERT INTO case_numbers (day, seq) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET seq = seq + 1", [day])
    seq = db.execute("SELECT seq FROM case_numbers WHERE day = ?", [day]).fetchone()[0]
    return f"SF-{day}-{seq:04d}"


def preview_number(db: Database, clock: Clock) -> str:
    day = clock.now().strftime("%Y%m%d")
    row = db.execute("SELECT seq FROM case_numbers WHERE day = ?", [day]).fetchone()
    return f"SF-{day}-{(row[0] if row else 0) + 1:04d}"


def add_event(db: Database, clock: Clock, case_id: str, actor: str, action: str, note: str = "") -> None:
    db["case_events"].insert({"case_id": case_id, "at": clock.iso(), "actor": actor, "action": action, "note": note})


def file_case(
    db: Database, clock: Clock, *, category: str, text: str, channel: str, group_id: str, grid: str,
    community: str, street: str, reporter_id: str, reporter_name: str, message_id: str, due: datetime,
    attachments: tuple[str, ...] = (), location: str = "",
) -> NewCase:
    """Create a case in state `accepted` with its first event (call inside the caller's transaction)."""
    case_id = next_number(db, clock)
    now = clock.now()
    db["cases"].insert({
        "id": case_id, "state": "accepted", "category": category, "text": text, "location": location,
        "channel": channel, "group_id": group_id, "grid": grid, "community": community, "street": street,
        "reporter_id": reporter_id, "reporter_name": reporter_name,
        "attachments": json.dumps(list(attachments), ensure_ascii=False),
        "created_at": clock.iso(now), "due_at": clock.iso(due), "closed_at": None, "updated_at": clock.iso(now),
    })
    db["case_reporters"].insert({
        "case_id": case_id, "channel": channel, "group_id": group_id, "user_id": reporter_id, "user_name": reporter_name,
        "message_id": message_id, "at": clock.iso(now),
    })
    add_event(db, clock, case_id, reporter_name or reporter_id, "accepted", "居民在群内反映，系统自动受理")
    return NewCase(case_id, due)


def set_state(db: Database, clock: Clock, case_id: str, state: str, actor: str, note: str = "") -> None:
    """Move a case to `state` and record who did it and why (call inside the caller's transaction)."""
    db.execute("UPDATE cases SET state = ?, updated_at = ? WHERE id = ?", [state, clock.iso(), case_id])
    add_event(db, clock, case_id, actor, state, note)


def _reporter(row: dict) -> dict:
    """A reporter and the group they wrote in (None for a report older than that record)."""
    return {"name": row["user_name"], "channel": row["channel"], "group_id": row["group_id"], "user_id": row["user_id"],
            "at": row["at"]}


def case_json(db: Database, case_id: str, with_events: bool = False) -> dict | None:
    rows = list(db.query("SELECT * FROM cases WHERE id = ?", [case_id]))
    if not rows:
        return None
    case = rows[0]
    case["attachments"] = json.loads(case["attachments"] or "[]")
    case["reporters"] = [_reporter(r) for r in db.query("SELECT * FROM case_reporters WHERE case_id = ? ORDER BY at", [case_id])]
    if with_events:
        case["events"] = [
            {"at": e["at"], "actor": e["actor"], "action": e["action"], "note": e["note"]}
            for e in db.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])
        ]
    return case


def list_cases(
    db: Database, state: str | None = None, grid: str | None = None, category: str | None = None,
    street: str | None = None, community: str | None = None, since: str | None = None, until: str | None = None,
) -> list[dict]:
    """Cases matching every filter given; `since`/`until` compare with created_at (ISO dates or times)."""
    clauses, params = [], []
    for column, value in (("state", state), ("grid", grid), ("category", category), ("street", street),
                          ("community", community)):
        if value:
            clauses.append(f"cases.{column} = ?")
            params.append(value)
    if since:
        clauses.append("cases.created_at >= ?")
        params.append(since)
    if until:
        clauses.append("cases.created_at < ?")
        params.append(until if "T" in until else until + "T99")
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    cases = list(db.query(f"SELECT * FROM cases {where}ORDER BY created_at, id", params))
    # Reporters in one query for the whole list, not one per case: the district files thousands a month.
    reporters: dict[str, list[dict]] = {}
    for r in db.query(f"SELECT r.* FROM case_reporters r JOIN cases ON cases.id = r.case_id {where}ORDER BY r.at", params):
        reporters.setdefault(r["case_id"], []).append(_reporter(r))
    for case in cases:
        case["attachments"] = json.loads(case["attachments"] or "[]")
        case["reporters"] = reporters.get(case["id"], [])
    return cases
