"""Console accounts (district admins only): add, change role and scope, reset a password, unlock."""

from __future__ import annotations

from aiohttp import web

from bot import accounts
from bot.web.auth import require_district
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render
from bot.web.scope import Scope, place_options


def _page(request: web.Request, status: int = 200, error: str = "", values: dict | None = None) -> web.Response:
    db = request.config_dict[BOT].db
    return render(request, "users.html", status=status, users=accounts.list_users(db), error=error,
                  values=values or {"username": "", "role": "community", "scope": "", "display_name": ""},
                  places=place_options(db, Scope(None, None, None)))


async def users_page(request: web.Request) -> web.Response:
    require_district(request)
    return _page(request)


async def add_user(request: web.Request) -> web.Response:
    require_district(request)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("username", "role", "scope", "display_name", "password")}
    try:
        accounts.add_user(request.config_dict[BOT].db, values["username"], values["password"], values["role"],
                          _units(values["scope"]), values["display_name"], must_change=True)
    except accounts.AccountError as exc:
        return _page(request, 400, str(exc), values)
    flash(request, f"已添加账号 {values['username']}（首次登录须修改密码）")
    raise redirect("/console/users")


async def update_user(request: web.Request) -> web.Response:
    admin = require_district(request)
    form, name = await request.post(), request.match_info["username"]
    db = request.config_dict[BOT].db
    try:
        if form.get("password"):
            accounts.set_password(db, name, str(form["password"]), must_change=True)
        else:
            if name == admin.username and (form.get("role") != "district" or form.get("disabled")):
                raise accounts.AccountError("不能降低或停用自己的账号")
            accounts.update_user(db, name, str(form.get("role", "")), _units(str(form.get("scope", ""))),
                                 str(form.get("display_name", "")), bool(form.get("disabled")))
    except accounts.AccountError as exc:
        return _page(request, 400, str(exc))
    flash(request, f"账号 {name} 已更新")
    raise redirect("/console/users")


def _units(text: str) -> list[str]:
    return [u.strip() for u in text.replace("，", ",").replace("、", ",").replace("\n", ",").split(",") if u.strip()]
