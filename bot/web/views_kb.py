"""The knowledge-base editor: list, create, edit, enable/disable, delete, history with diffs, revert, hit test."""

from __future__ import annotations

from aiohttp import web

from bot import kb, unanswered
from bot.numbers import whole_number, whole_numbers
from bot.registry import groups_json
from bot.web.auth import current_user, require_admin
from bot.web.kbedit import (
    GRID_READ_ONLY, edit_refusal, editable_entry, form_values, hit_test, history, read_form, visible_entry,
)
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render
from bot.web.scope import place_options, scope_for


def _owners(request: web.Request) -> list[str]:
    scope = scope_for(request)
    places = place_options(request.config_dict[BOT].db, scope)
    return ([""] if scope.everything else []) + places["streets"] + places["communities"] + places["grids"]


async def kb_list(request: web.Request) -> web.Response:
    q, scope, bot = request.query, scope_for(request), request.config_dict[BOT]
    state = {"on": True, "off": False}.get(q.get("state", ""))
    rows = kb.entry_rows(bot.db, q.get("q", ""), q.get("category", ""), state,
                         None if scope.everything else set(scope.units))
    return render(request, "kb_list.html", rows=rows, categories=kb.categories(bot.db), query=q, scope=scope)


async def new_entry_page(request: web.Request) -> web.Response:
    require_admin(request, GRID_READ_ONLY)
    bot, scope = request.config_dict[BOT], scope_for(request)
    ids = [i for i in whole_numbers(request.query.get("unanswered", ""))
           if i in {r["id"] for r in unanswered.open_questions(bot.db, scope.grids)}]
    texts = unanswered.texts_of(bot.db, ids)
    category = request.query.get("category", "")
    values = form_values(id=kb.suggest_id(bot.db, category), category=category, question=texts[0] if texts else "",
                         similar="\n".join(texts[1:]), owner="" if scope.everything else sorted(scope.units)[0])
    return render(request, "kb_edit.html", row=None, values=values, errors={}, owners=_owners(request),
                  categories=kb.categories(bot.db), unanswered=",".join(map(str, ids)), status=200)


async def create_entry(request: web.Request) -> web.Response:
    require_admin(request, GRID_READ_ONLY)
    bot, form, scope, user = request.config_dict[BOT], await request.post(), scope_for(request), current_user(request)
    result = read_form(bot, form, scope)
    ids = [r["id"] for r in unanswered.open_questions(bot.db, scope.grids) if r["id"] in whole_numbers(form.get("unanswered", ""))]
    if result.entry is None:
        return render(request, "kb_edit.html", status=400, row=None, values=result.values, errors=result.errors,
                      owners=_owners(request), categories=kb.categories(bot.db), unanswered=form.get("unanswered", ""))
    kb.save_entry(bot.db, result.entry, user.username, bot.clock.iso(), owner=result.values["owner"])
    unanswered.resolve(bot.db, ids, user.username, bot.clock.iso(), result.entry.id)
    bot.reload_kb()
    flash(request, f"已新建条目 {result.entry.id}，机器人已开始使用")
    raise redirect(f"/console/kb/entry/{result.entry.id}")


async def edit_page(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    row = visible_entry(bot, scope, request.match_info["faq_id"])
    refusal = edit_refusal(current_user(request), scope, row["owner"])
    return render(request, "kb_edit.html", row=row, values=form_values(row), errors={}, owners=_owners(request),
                  categories=kb.categories(bot.db), unanswered="", can_edit=not refusal, read_only=refusal)


async def save_entry(request: web.Request) -> web.Response:
    bot, form, scope, user = request.config_dict[BOT], await request.post(), scope_for(request), current_user(request)
    row = editable_entry(bot, scope, request.match_info["faq_id"], user)
    result = read_form(bot, form, scope, faq_id=row["id"])
    if str(row["version"]) != form.get("version"):
        result.errors["-"] = "保存前该条目已被他人修改，请刷新页面查看最新内容后再改"
    if result.entry is None or result.errors:
        return render(request, "kb_edit.html", status=400, row=row, values=result.values, errors=result.errors,
                      owners=_owners(request), categories=kb.categories(bot.db), unanswered="", can_edit=True)
    kb.save_entry(bot.db, result.entry, user.username, bot.clock.iso(), owner=result.values["owner"])
    bot.reload_kb()
    flash(request, f"已保存 {row['id']}，机器人已使用新内容")
    raise redirect(f"/console/kb/entry/{row['id']}")


async def set_enabled(request: web.Request) -> web.Response:
    bot, user = request.config_dict[BOT], current_user(request)
    row = editable_entry(bot, scope_for(request), request.match_info["faq_id"], user)
    enable = request.match_info["action"] == "enable"
    kb.set_enabled(bot.db, row["id"], enable, user.username, bot.clock.iso())
    bot.reload_kb()
    flash(request, f"{row['id']} 已{'启用' if enable else '停用'}")
    raise redirect(f"/console/kb/entry/{row['id']}")


async def delete_entry(request: web.Request) -> web.Response:
    bot, user = request.config_dict[BOT], current_user(request)
    row = editable_entry(bot, scope_for(request), request.match_info["faq_id"], user)
    kb.delete_entry(bot.db, row["id"], user.username, bot.clock.iso())
    bot.reload_kb()
    flash(request, f"已删除 {row['id']}（历史版本仍保留，可从历史中恢复）")
    raise redirect("/console/kb")


async def history_page(request: web.Request) -> web.Response:
    bot, scope, faq_id = request.config_dict[BOT], scope_for(request), request.match_info["faq_id"]
    row = kb.entry_row(bot.db, faq_id)
    if row is not None:
        visible_entry(bot, scope, faq_id)
    elif not scope.everything or not kb.versions(bot.db, faq_id):
        raise web.HTTPNotFound(text=f"没有编号为 {faq_id} 的知识库条目")
    can_edit = not edit_refusal(current_user(request), scope, row["owner"]) if row else scope.everything
    return render(request, "kb_history.html", faq_id=faq_id, row=row, versions=history(bot, faq_id), can_edit=can_edit)


async def revert(request: web.Request) -> web.Response:
    user = require_admin(request, GRID_READ_ONLY)
    bot, form, scope = request.config_dict[BOT], await request.post(), scope_for(request)
    faq_id = request.match_info["faq_id"]
    if kb.entry_row(bot.db, faq_id) is not None:
        editable_entry(bot, scope, faq_id, user)
    elif not scope.everything:
        raise web.HTTPNotFound(text=f"没有编号为 {faq_id} 的知识库条目")
    wanted = whole_number(form.get("version", ""))
    version = kb.revert_entry(bot.db, faq_id, wanted, user.username, bot.clock.iso()) if wanted is not None else None
    if version is None:
        raise web.HTTPBadRequest(text="没有这个版本")
    bot.reload_kb()
    flash(request, f"已恢复到第 {wanted} 版（保存为第 {version} 版）")
    raise redirect(f"/console/kb/entry/{faq_id}")


async def hit_test_page(request: web.Request) -> web.Response:
    bot, text, group = request.config_dict[BOT], request.query.get("q", "").strip(), request.query.get("group", "")
    scope = scope_for(request)
    groups = [g for g in groups_json(bot.db) if scope.covers(g["street"], g["community"], g["grid"])]
    if group and group not in {f"{g['channel']}:{g['group_id']}" for g in groups}:
        raise web.HTTPNotFound(text="没有这个群，或不在您的管辖范围内")
    results = hit_test(bot, text[:500], scope, group) if text else []
    return render(request, "kb_test.html", text=text, group=group, groups=groups[:500], results=results)
