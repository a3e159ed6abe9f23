"""The case board: filter, detail with timeline, accept / transfer / resolve / send back, Excel export."""

from __future__ import annotations

from aiohttp import web

from bot.casework import CaseError
from bot.web.auth import current_user
from bot.web.caseboard import PAGE, actor_for, case_for, export_xlsx, filters_from, overdue, perform, visible_cases
from bot.web.files import attachment
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render
from bot.web.scope import place_options, scope_for

ACTIONS = {"accept": "接单", "resolve": "办结", "send_back": "退回", "transfer": "转派"}


async def board(request: web.Request) -> web.Response:
    bot, scope, f = request.config_dict[BOT], scope_for(request), filters_from(request.query)
    found = visible_cases(bot, scope, f)
    return render(request, "cases.html", cases=found[:PAGE], total=len(found), f=f, query=request.query_string,
                  places=place_options(bot.db, scope), overdue=lambda c: overdue(bot, c))


async def export(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    body = export_xlsx(visible_cases(bot, scope, filters_from(request.query)), bot.understanding.category_labels)
    return attachment(body, f"网格事项-{bot.clock.now():%Y%m%d}.xlsx")


async def detail(request: web.Request) -> web.Response:
    bot, scope = request.config_dict[BOT], scope_for(request)
    case = case_for(bot, scope, request.match_info["case_id"])
    return render(request, "case.html", case=case, grids=place_options(bot.db, scope)["grids"],
                  overdue=overdue(bot, case), error="")


async def act(request: web.Request) -> web.Response:
    bot, scope, form = request.config_dict[BOT], scope_for(request), await request.post()
    case, action = case_for(bot, scope, request.match_info["case_id"]), request.match_info["action"]
    try:
        perform(bot.cases, case["id"], actor_for(current_user(request), scope), action, form, scope)
    except CaseError as exc:
        return render(request, "case.html", status=400, case=case, grids=place_options(bot.db, scope)["grids"],
                      overdue=overdue(bot, case), error=str(exc))
    flash(request, f"事项 {case['id']} 已{ACTIONS[action]}")
    raise redirect(f"/console/cases/{case['id']}")

