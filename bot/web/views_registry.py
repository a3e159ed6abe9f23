"""The registry: streets, communities, grids, groups, workers and contacts; edit rows, import and export files."""

from __future__ import annotations

from aiohttp import web

from bot.registry import replace_registry
from bot.web.auth import require_admin, require_district
from bot.web.files import MAX_UPLOAD_TEXT, UploadError, download, read_upload
from bot.web.keys import BOT, PENDING_IMPORTS
from bot.web.registryedit import (
    KIND_LABELS, change, counts, find_row, import_summary, row_from_form, row_key, unknown_groups, visible_rows,
)
from bot.web.render import flash, redirect, render
from bot.web.scope import place_options, scope_for
from knowledge.entry import InvalidFile
from knowledge.registryfile import COLUMNS, RegistryRow, read_registry_file, write_registry_file


async def registry_page(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    f = {k: request.query.get(k, "") for k in ("street", "community", "grid", "kind", "q")}
    rows, places = visible_rows(bot.db, scope, f), place_options(bot.db, scope)
    grids = sorted({r.grid for r in visible_rows(bot.db, scope, {"community": f["community"]}) if r.grid})
    return render(request, "registry.html", rows=rows, f=f, places=places, grids=grids, kinds=KIND_LABELS,
                  key=row_key, unknown=unknown_groups(bot.db) if scope.everything else [], counts=counts(rows))


async def edit_page(request: web.Request) -> web.Response:
    require_admin(request)
    bot, scope, q = request.config_dict[BOT], scope_for(request), request.query
    row = find_row(bot.db, scope, q["key"]) if "key" in q else RegistryRow(
        **{c: q.get(c, "") for c in COLUMNS} | {"kind": q.get("kind") or "group", "channel": q.get("channel") or "qq"})
    if row is None:
        raise web.HTTPNotFound(text="没有这一行，或不在您的管辖范围内")
    if row.kind not in KIND_LABELS:
        raise web.HTTPBadRequest(text=f"登记类型应为{'、'.join(KIND_LABELS.values())}之一")
    return render(request, "registry_edit.html", row=row, key=q.get("key", ""), errors=[],
                  places=place_options(bot.db, scope), kinds=KIND_LABELS)


async def save_row(request: web.Request) -> web.Response:
    require_admin(request)
    bot, scope, form = request.config_dict[BOT], scope_for(request), await request.post()
    row, key = row_from_form(bot.db, form), str(form.get("key", "")) or None
    errors = change(bot.db, scope, key, row)
    if errors:
        return render(request, "registry_edit.html", status=400, row=row, key=key or "", errors=errors,
                      places=place_options(bot.db, scope), kinds=KIND_LABELS)
    flash(request, f"已保存：{KIND_LABELS[row.kind]} {row.name}")
    raise redirect(f"/console/registry?community={row.community}")


async def delete_row(request: web.Request) -> web.Response:
    require_admin(request)
    bot, scope, form = request.config_dict[BOT], scope_for(request), await request.post()
    errors = change(bot.db, scope, str(form.get("key", "")), None)
    for error in errors:
        flash(request, error, "error")
    if not errors:
        flash(request, "已删除该登记行")
    raise redirect("/console/registry")


async def export(request: web.Request) -> web.Response:
    bot, scope, fmt = request.config_dict[BOT], scope_for(request), request.query.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise web.HTTPBadRequest(text="格式应为 csv 或 xlsx")
    rows = visible_rows(bot.db, scope, {})
    return download(f"登记表-{bot.clock.now():%Y%m%d}.{fmt}", lambda path: write_registry_file(path, rows))


async def import_page(request: web.Request) -> web.Response:
    require_district(request)
    return render(request, "registry_import.html", problems=[], error="", summary=None, limit=MAX_UPLOAD_TEXT)


async def import_preview(request: web.Request) -> web.Response:
    user = require_district(request)
    try:
        rows = read_upload(await request.post(), (".csv", ".xlsx"), read_registry_file)
    except (InvalidFile, UploadError) as exc:
        return failed(request, str(exc).splitlines()[0], [str(p) for p in getattr(exc, "problems", [])])
    token = request.config_dict[PENDING_IMPORTS].keep("registry", user.username, rows)
    return render(request, "registry_import.html", problems=[], error="", token=token,
                  summary=import_summary(request.config_dict[BOT].db, rows))


async def import_confirm(request: web.Request) -> web.Response:
    user = require_district(request)
    bot, form = request.config_dict[BOT], await request.post()
    rows = request.config_dict[PENDING_IMPORTS].take("registry", user.username, str(form.get("token", "")))
    if rows is None:
        return failed(request, "这次导入的预览已过期或已经确认过，请重新上传文件")
    replace_registry(bot.db, rows)
    flash(request, f"已导入登记表：{len(rows)} 行，原登记表已被替换")
    raise redirect("/console/registry")


def failed(request: web.Request, error: str, problems: list[str] | None = None) -> web.Response:
    return render(request, "registry_import.html", status=400, problems=problems or [], error=error, summary=None,
                  limit=MAX_UPLOAD_TEXT)
