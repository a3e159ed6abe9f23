"""Who is asking: encrypted session cookies, login required, idle sessions expire, role checks."""

from __future__ import annotations

import base64
import hashlib
import time

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp_session import get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from yarl import URL

from bot.accounts import User, credential_stamp, end_sessions, get_user
from bot.app import Bot
from bot.store import get_meta, set_meta
from bot.web.csrf import session_token
from bot.web.keys import BOT, USER

COOKIE = "gridbot_console"
IDLE_SECONDS = 8 * 3600  # an unattended browser is logged out after a working day
MAX_AGE = 24 * 3600  # and every login ends after a day, however busy
TOUCH_SECONDS = 60  # how often the idle clock is reset (each reset re-issues the cookie)
LOGIN = "/console/login"
PASSWORD = "/console/password"


def session_key(bot: Bot) -> bytes:
    """From the web_secret setting if set (any text), else generated once and kept in the database."""
    if bot.settings.web_secret:
        return base64.urlsafe_b64encode(hashlib.sha256(bot.settings.web_secret.encode()).digest())
    stored = get_meta(bot.db, "web_session_key")
    if stored is None:
        stored = Fernet.generate_key().decode()
        set_meta(bot.db, "web_session_key", stored)
    return stored.encode()


def sessions(bot: Bot) -> Middleware:
    storage = EncryptedCookieStorage(Fernet(session_key(bot)), cookie_name=COOKIE, max_age=MAX_AGE, path="/console",
                                     httponly=True, samesite="Lax")
    return session_middleware(storage)


def public(handler):
    """Mark a view that needs no login (the login page itself)."""
    handler.public = True
    return handler


def allow_unchanged_password(handler):
    """Mark a view a user who must still change the one-time password may reach."""
    handler.before_password_change = True
    return handler


async def log_in(request: web.Request, user: User) -> None:
    session = await new_session(request)  # a fresh session: no fixation of an id chosen before login
    session["user"] = user.username
    session["seen"] = time.time()
    restamp(request, session)
    session_token(session)


def restamp(request: web.Request, session) -> None:
    """Tie the session to the password it was made with (called again when its owner changes the password)."""
    session["stamp"] = credential_stamp(request.config_dict[BOT].db, session["user"])


async def log_out(request: web.Request) -> None:
    """End the session on the server too: a copy of the cookie (or another browser of this user) stops working."""
    session = await get_session(request)
    if username := session.get("user"):
        end_sessions(request.config_dict[BOT].db, username)
    session.invalidate()


def current_user(request: web.Request) -> User:
    return request[USER]


def require_district(request: web.Request) -> User:
    user = request[USER]
    if not user.is_district:
        raise web.HTTPForbidden(reason="Forbidden", text="只有区级管理员可以进行此操作")
    return user


def require_admin(request: web.Request, refusal: str = "网格员账号不能进行此操作") -> User:
    """Street, community and district admins; grid workers may only look (`refusal` tells them so)."""
    user = request[USER]
    if user.role == "grid":
        raise web.HTTPForbidden(reason="Forbidden", text=refusal)
    return user


def _is_public(request: web.Request) -> bool:
    route = request.match_info.route
    return isinstance(route.resource, web.StaticResource) or getattr(request.match_info.handler, "public", False)


@web.middleware
async def require_login(request: web.Request, handler) -> web.StreamResponse:
    session = await get_session(request)
    user = None
    if username := session.get("user"):
        if time.time() - session.get("seen", 0) > IDLE_SECONDS:
            session.invalidate()
            session["flash"] = [["warn", "长时间未操作，已自动退出，请重新登录"]]
        else:
            db = request.config_dict[BOT].db
            user = get_user(db, username)
            if user is None:
                session.invalidate()
            elif session.get("stamp") != credential_stamp(db, username):  # new password, or logged out elsewhere
                user = None
                session.invalidate()
                session["flash"] = [["warn", "登录已失效（密码已更改，或已在别处退出登录），请重新登录"]]
    if user is not None:
        request[USER] = user
        if time.time() - session.get("seen", 0) > TOUCH_SECONDS:
            session["seen"] = time.time()
    if _is_public(request):
        return await handler(request)
    if user is None:
        if request.headers.get("Accept", "").startswith("application/json") or request.method != "GET":
            raise web.HTTPUnauthorized(reason="Unauthorized", text="请先登录")
        raise web.HTTPFound(URL(LOGIN).with_query(next=request.path_qs) if request.path != "/console/" else LOGIN)
    if user.must_change and not getattr(request.match_info.handler, "before_password_change", False):
        raise web.HTTPFound(PASSWORD)
    return await handler(request)
