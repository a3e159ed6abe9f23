"""Knowledge-base files in the console: export (JSON, CSV, Excel) and import with a preview before writing."""

from __future__ import annotations

from aiohttp import web

from bot import kb
from bot.web.auth import require_district
from bot.web.files import MAX_UPLOAD_TEXT, UploadError, download, read_upload
from bot.web.keys import BOT, PENDING_IMPORTS
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
    return render(request, "kb_import.html", problems=[], error="", preview=None, limit=MAX_UPLOAD_TEXT)


async def import_preview(request: web.Request) -> web.Response:
    user = require_district(request)
    form, bot = await request.post(), request.config_dict[BOT]
    try:
        found = read_upload(form, FORMATS, read_kb_import)
    except (InvalidFile, UploadError) as exc:
        problems = [str(p) for p in getattr(exc, "problems", [])]
        return failed(request, str(exc).splitlines()[0], problems)
    replace = bool(form.get("replace"))
    token = request.config_dict[PENDING_IMPORTS].keep("kb", user.username, (found, replace))
    return render(request, "kb_import.html", problems=[], error="", preview=changes(bot, found, replace), token=token)


async def import_confirm(request: web.Request) -> web.Response:
    user = require_district(request)
    form, bot = await request.post(), request.config_dict[BOT]
    held = request.config_dict[PENDING_IMPORTS].take("kb", user.username, str(form.get("token", "")))
    if held is None:
        return failed(request, "这次导入的预览已过期或已经确认过，请重新上传文件")
    found, replace = held
    counts = kb.import_entries(bot.db, found.entries, author=user.username, at=bot.clock.iso(), replace=replace,
                               enabled=found.enabled)
    bot.reload_kb()
    flash(request, f"已导入 {len(found.entries)} 条：新增 {counts['created']}，更新 {counts['updated']}，"
                   f"未变 {counts['unchanged']}，删除 {counts['removed']}")
    raise redirect("/console/kb")


def failed(request: web.Request, error: str, problems: list[str] | None = None) -> web.Response:
    return render(request, "kb_import.html", status=400, problems=problems or [], error=error, preview=None,
                  limit=MAX_UPLOAD_TEXT)


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
    }
