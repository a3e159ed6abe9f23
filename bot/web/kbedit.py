"""The knowledge-base editor's logic: who may edit which entry, reading the form, diffs, the hit test."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from aiohttp import web

from bot import kb
from bot.accounts import User
from bot.app import Bot
from bot.registry import find_group
from bot.web.scope import Scope
from knowledge.entry import FaqEntry, Problem, entry_from_mapping

# Grid workers answer for cases and groups; what the bot says is the admins' (docs/console.md, 账号与权限).
GRID_READ_ONLY = "网格员账号只能查看知识库，不能修改；需要新增或修改条目、处理未答问题，请联系社区管理员"
DISTRICT_ONLY = "这是全区通用条目，只有区级管理员可以修改；可以在“未答问题”中把居民的问法反馈给区里"

@dataclass(frozen=True, slots=True)
class FormResult:
    entry: FaqEntry | None
    errors: dict[str, str]
    values: dict[str, str]


def visible_entry(bot: Bot, scope: Scope, faq_id: str) -> dict:
    """The entry's row if this user may see it; 404 otherwise (whether it exists elsewhere is not revealed)."""
    row = kb.entry_row(bot.db, faq_id)
    if row is None or not (row["owner"] == "" or scope.owns_entry(row["owner"])):
        raise web.HTTPNotFound(text=f"没有编号为 {faq_id} 的知识库条目")
    return row


def editable_entry(bot: Bot, scope: Scope, faq_id: str, user: User) -> dict:
    """The entry's row if this user may change it: 404 when they may not see it, 403 (saying why) when only see it."""
    row = visible_entry(bot, scope, faq_id)
    if refusal := edit_refusal(user, scope, row["owner"]):
        raise web.HTTPForbidden(text=refusal)
    return row


def edit_refusal(user: User, scope: Scope, owner: str) -> str:
    """Why this user may not change an entry owned by `owner` (shown on its page), or "" when they may."""
    if user.role == "grid":
        return GRID_READ_ONLY
    return "" if scope.owns_entry(owner) else DISTRICT_ONLY


def read_form(bot: Bot, form, scope: Scope, faq_id: str | None = None) -> FormResult:
    """Validate an entry form with the same rules as an imported file; `faq_id` when editing (ids do not change)."""
    values = {name: str(form.get(name, "")).strip() for name in ("id", "category", "question", "similar",
                                                                  "keywords", "answer", "owner")}
    if faq_id is not None:
        values["id"] = faq_id
    problems: list[Problem] = []
    entry = entry_from_mapping({k: values[k] for k in ("id", "category", "question", "similar", "keywords", "answer")},
                               "表单", problems)
    errors = {p.field: p.message for p in problems}
    owner = values["owner"]
    if scope.everything and owner and owner not in all_units(bot):
        errors["owner"] = f"没有名为“{owner}”的街道、社区或网格"
    elif not scope.everything and owner not in scope.units:
        errors["owner"] = "只能归属于您所辖的街道、社区或网格"
    if faq_id is None and entry is not None and kb.versions(bot.db, entry.id):
        errors["id"] = f"编号 {entry.id} 已被使用（包括已删除的条目），请换一个"
    return FormResult(entry if not errors else None, errors, values)


def all_units(bot: Bot) -> set[str]:
    return {r[0] for r in bot.db.execute("SELECT name FROM streets UNION SELECT name FROM communities "
                                         "UNION SELECT name FROM grids").fetchall()}


def form_values(row: dict | None = None, **overrides: str) -> dict[str, str]:
    base = {"id": "", "category": "", "question": "", "similar": "", "keywords": "", "answer": "", "owner": ""}
    if row:
        base.update({k: row[k] for k in ("id", "category", "question", "answer", "owner")},
                    similar="\n".join(row["similar"]), keywords="\n".join(row["keywords"]))
    base.update(overrides)
    return base


def entry_text(entry: FaqEntry | None) -> list[str]:
    """An entry as lines for a readable diff."""
    if entry is None:  # before the first version, or after a delete
        return []
    lines = [f"分类：{entry.category}", f"标准问：{entry.question}", "相似问法："]
    lines += [f"  · {s}" for s in entry.similar]
    lines += [f"关键词：{'、'.join(entry.keywords)}", "答案："]
    lines += [f"  {line}" for line in entry.answer.splitlines()]
    return lines


def diff_lines(old: FaqEntry | None, new: FaqEntry | None) -> list[tuple[str, str]]:
    """(tag, text) pairs, tag one of ' ', '-', '+'."""
    out = []
    for line in difflib.ndiff(entry_text(old), entry_text(new)):
        if line[:1] in (" ", "-", "+"):
            out.append((line[0], line[2:]))
    return out


def history(bot: Bot, faq_id: str) -> list[dict]:
    """Every version, newest first, each with its diff against the version before it."""
    rows = kb.versions(bot.db, faq_id)
    for i, row in enumerate(rows):
        before = next((r for r in rows[i + 1:] if r["data"] is not None), None)
        old = _entry(before["data"]) if before else None
        new = _entry(row["data"]) if row["data"] is not None else None
        row["diff"] = diff_lines(old, new) if (old or new) else []
        row["first"] = before is None
    return rows


def _entry(data: dict) -> FaqEntry:
    return FaqEntry(data["id"], data["category"], data["question"], tuple(data.get("similar") or ()),
                    tuple(data.get("keywords") or ()), data["answer"])


def hit_test(bot: Bot, text: str, scope: Scope, group: str = "") -> list[dict]:
    """What the bot would do with `text`, without and with an @-mention: the decision, candidates, the reply.

    Without a group, only the entries this user may see take part (another place's entries stay hidden).
    """
    channel, _, group_id = group.partition(":")
    if group and find_group(bot.db, channel, group_id) is None:
        raise web.HTTPBadRequest(text="没有这个群")
    bot.refresh_kb()
    units = None if scope.everything else scope.units
    results = []
    for mentioned in (False, True):
        plan = bot.dispatcher.preview(text, mentioned, channel=channel or "qq", group_id=group_id or None, units=units)
        d = plan.decision
        results.append({
            "mentioned": mentioned, "intent": d.intent, "score": round(d.score, 1), "reason": d.reason,
            "faq": d.faq, "category": d.category, "reply": plan.reply, "normalized": d.text,
            "suggestions": [e.id for e in d.suggestions],
            "candidates": [
                {"id": c.entry.id, "question": c.entry.question, "score": round(c.score, 1),
                 "phrasing": c.best_phrasing, "features": {k: round(v, 2) for k, v in c.features.items()}}
                for c in d.candidates[:5]
            ],
        })
    return results

