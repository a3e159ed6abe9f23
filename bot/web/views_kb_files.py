"""Knowledge-base files in the console: export (JSON, CSV, Excel) and import with a preview before writing."""

from __future__ import annotations

import json

from aiohttp import web

from bot import kb
from bot.web.auth import require_district
from bot.web.files import UploadError, download, read_text_as, read_upload
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render
from bot.web.scope import scope_for
from knowledge.entry import InvalidFile
from knowledge.kbfile import KbFile, read_kb_import, write_kb_file

FORMATS = (".json", ".csv", ".xlsx")
CONTENT = ("category", "question", "similar", "keywords", "answer")


async def export(request: web.Request) -> web.Response:
    bot, scope, fmt = request.config_dict[BOT], scope_for(request), request.query.get("format", "json")
    if f".{fmt}" not in FORMATS:
        raise web.HTTPBadRequest(text="格式应为 json、csv 或 xlsx")
    rows = kb.entry_rows(bot.db, owners=None if scope.everything else set(scope.units))
    entries, disabled = [kb.get_entry(bot.db, r["id"]) for r in rows], {r["id"] for r in rows if not r["enabled"]}
    return download(f"知识库-{bot.clock.now():%Y%m%d}.{fmt}", lambda path: write_kb_file(path, entries, disabled))


async def import_page(request: web.Request) -> web.Response:
    require_district(request)
    return render(request, "kb_import.html", problems=[], error="", preview=None)


async def import_preview(request: web.Request) -> web.Response:
    require_district(request)
    form = await request.post()
    try:
        found = read_upload(form, FORMATS, read_kb_import)
    except (InvalidFile, UploadError) as exc:
        problems = [str(p) for p in getattr(exc, "problems", [])]
        error = str(exc).splitlines()[0]
        return render(request, "kb_import.html", status=400, problems=problems, error=error, preview=None)
    preview = changes(request.config_dict[BOT], found, bool(form.get("replace")))
    return render(request, "kb_import.html", problems=[], error="", preview=preview)


async def import_confirm(request: web.Request) -> web.Response:
    user = require_district(request)
    form, bot = await request.post(), request.config_dict[BOT]
    try:
        found = read_text_as(".json", str(form.get("payload", "")), read_kb_import)
    except InvalidFile as exc:
        raise web.HTTPBadRequest(text=str(exc).splitlines()[0]) from None
    counts = kb.import_entries(bot.db, found.entries, author=user.username, at=bot.clock.iso(),
                               replace=bool(form.get("replace")), enabled=found.enabled)
    bot.reload_kb()
    flash(request, f"已导入 {len(found.entries)} 条：新增 {counts['created']}，更新 {counts['updated']}，"
                   f"未变 {counts['unchanged']}，删除 {counts['removed']}")
    raise redirect("/console/kb")


def changes(bot, found: KbFile, replace: bool) -> dict:
    """What an import would do, entry by entry, before anything is written."""
    existing = {e.id: e for e in kb.load_entries(bot.db, enabled_only=False)}
    states = kb.enabled_states(bot.db)
    created = [e for e in found.entries if e.id not in existing]
    updated = []
    for e in found.entries:
        if e.id in existing:
            fields = [f for f in CONTENT if getattr(e, f) != getattr(existing[e.id], f)]
            if found.enabled.get(e.id, states[e.id]) != states[e.id]:
                fields.append("启用" if found.enabled[e.id] else "停用")
            updated.append((e, fields))
    ids = {e.id for e in found.entries}
    return {
        "created": created, "created_disabled": {e.id for e in created if found.enabled.get(e.id) is False},
        "updated": [(e, fields) for e, fields in updated if fields],
        "unchanged": sum(1 for _, fields in updated if not fields),
        "removed": sorted(set(existing) - ids) if replace else [], "replace": replace, "total": len(found.entries),
        "payload": json.dumps([{**e.as_dict(), "enabled": found.enabled.get(e.id)} for e in found.entries],
                              ensure_ascii=False),
    }
