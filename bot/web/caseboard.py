"""The case board's logic: filters, what a user may see, who they act as, the Excel export."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from aiohttp import web

from bot.accounts import User
from bot.app import Bot
from bot.cases import STATES
from bot.casework import OPEN, Actor, CaseDesk, CaseError
from bot.web.scope import Scope
from knowledge.tabular import append_text_row

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PAGE = 300
COLUMNS = [("id", "编号"), ("state", "状态"), ("category", "类别"), ("text", "内容"), ("location", "位置"),
           ("street", "街道"), ("community", "社区"), ("grid", "网格"), ("reporters", "反映人"),
           ("created_at", "受理时间"), ("due_at", "办理时限"), ("closed_at", "办结时间")]


def filters_from(query) -> dict[str, str]:
    """The board's filters from the query string; state "open" (the default) means every unfinished state."""
    f = {k: query.get(k, "").strip() for k in ("state", "category", "street", "community", "grid", "since", "until")}
    if "state" not in query:
        f["state"] = "open"
    for key in ("since", "until"):
        if f[key] and not DATE.match(f[key]):
            raise web.HTTPBadRequest(text=f"日期格式应为 YYYY-MM-DD，收到 {f[key]!r}")
    if f["state"] not in ("", "open", *STATES):
        raise web.HTTPBadRequest(text=f"没有状态 {f['state']!r}")
    return f


def visible_cases(bot: Bot, scope: Scope, f: dict[str, str]) -> list[dict]:
    states = OPEN if f["state"] == "open" else (f["state"] or None,)
    found = []
    for state in states:
        found += bot.cases.list_cases(state=state, grid=f["grid"] or None, category=f["category"] or None,
                                      street=f["street"] or None, community=f["community"] or None,
                                      since=f["since"] or None, until=f["until"] or None)
    found = [c for c in found if scope.sees_case(c)]
    return sorted(found, key=lambda c: (c["created_at"], c["id"]), reverse=True)


def case_for(bot: Bot, scope: Scope, case_id: str) -> dict:
    """One case with its timeline; 404 when it does not exist or is outside the user's scope."""
    case = bot.cases.case_json(case_id, with_events=True)
    if case is None or not scope.sees_case(case):
        raise web.HTTPNotFound(text=f"没有编号为 {case_id} 的事项")
    return case


def actor_for(user: User, scope: Scope) -> Actor:
    name = user.display_name or user.username
    return Actor(name, "worker" if user.role == "grid" else "admin", scope.grids, title=user.role_label)


def perform(desk: CaseDesk, case_id: str, actor: Actor, action: str, form, scope: Scope) -> dict:
    """One action of the board through the case desk; CaseError carries the reason it cannot be done."""
    note = str(form.get("note", "")).strip()
    if action == "accept":
        return desk.accept(case_id, actor)
    if action == "resolve":
        return desk.resolve(case_id, actor, note)
    if action == "send_back":
        return desk.send_back(case_id, actor, note or "需社区协调")
    grid = str(form.get("grid", "")).strip()
    if not scope.covers(grid=grid):  # the desk checks the case; the target grid must be ours too
        raise CaseError("只能转派到您管辖范围内的网格")
    return desk.transfer(case_id, actor, grid)


def overdue(bot: Bot, case: dict) -> bool:
    return case["state"] in OPEN and (case.get("due_at") or "9") < bot.clock.iso()


def due_soon(bot: Bot, case: dict, hours: int = 24) -> bool:
    return case["state"] in OPEN and not overdue(bot, case) and \
        (case.get("due_at") or "9") < bot.clock.iso(bot.clock.now() + timedelta(hours=hours))


def export_xlsx(cases: list[dict], labels: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "网格事项"
    append_text_row(sheet, [title for _, title in COLUMNS])
    for case in cases:
        row = dict(case, state=STATES.get(case["state"], case["state"]), category=labels.get(case["category"], case["category"]),
                   reporters="、".join(r["name"] or r["user_id"] for r in case["reporters"]))
        append_text_row(sheet, [row.get(key) for key, _ in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
