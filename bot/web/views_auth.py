"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

from bot import accounts
from bot.web.auth import allow_unchanged_password, current_user, log_in, log_out, public, restamp
from bot.web.keys import BOT
from bot.web.render import flash, redirect, render


def _next(request: web.Request) -> str:
    target = request.query.get("next", "")
    # Only our own pages: no "//evil.example" or "/console/../" tricks.
    return target if target.startswith("/console/") and "//" not in target and "\\" not in target else "/console/"


@public
async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", username="", error="", next=_next(request))


@public
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    db = request.config_dict[BOT].db
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    user = accounts.verify(db, username, password)
    if user is None:
        locked = accounts.locked_until(db, username)
        error = f"尝试次数过多，账号已锁定 {accounts.LOCK_MINUTES} 分钟，请稍后再试" if locked else "用户名或密码错误"
        return render(request, "login.html", status=401, username=username, error=error, next=_next(request))
    await log_in(request, user)
    raise redirect(_next(request))


@allow_unchanged_password
async def logout(request: web.Request) -> web.Response:
    await log_out(request)
    raise redirect("/console/login")


def _refusal(db, username: str, current: str, new: str, again: str) -> str:
    """Why the password cannot be changed to `new`, or "" when it can."""
    if accounts.locked_until(db, username):  # the right password is refused too while locked: say so
        return f"密码错误次数过多，账号已临时锁定 {accounts.LOCK_MINUTES} 分钟，请稍后再修改密码"
    if accounts.verify(db, username, current) is None:
        return "当前密码不正确"
    if new != again:
        return "两次输入的新密码不一致"
    if new == current:  # a one-time password must really be replaced
        return "新密码不能与当前密码相同"
    return ""


@allow_unchanged_password
async def password_page(request: web.Request) -> web.Response:
    return render(request, "password.html", error="")


@allow_unchanged_password
async def change_password(request: web.Request) -> web.Response:
    form, user = await request.post(), current_user(request)
    db = request.config_dict[BOT].db
    current, new, again = (str(form.get(name, "")) for name in ("current", "new", "again"))
    error = _refusal(db, user.username, current, new, again)
    try:
        if not error:
            accounts.set_password(db, user.username, new)
    except accounts.AccountError as exc:
        error = str(exc)
    if error:
        return render(request, "password.html", status=400, error=error)
    restamp(request, await get_session(request))  # this session stays; others made with the old password end
    flash(request, "密码已修改")
    raise redirect("/console/")
