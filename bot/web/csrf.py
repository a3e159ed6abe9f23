"""Cross-site request forgery: every state-changing request must come from our own pages.

Like datasette, a browser's Sec-Fetch-Site / Origin headers reject cross-site posts outright; on top of that each
session has a random token that every form (hidden field) and script (X-CSRF-Token header) sends back.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import Session, get_session

from bot.web.keys import CSRF_TOKEN

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def session_token(session: Session) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def cross_site(request: web.Request) -> str | None:
    """Why the request is cross-site, or None. Old browsers send neither header: the token still protects them."""
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in ("same-origin", "none"):
        return f"拒绝跨站请求（Sec-Fetch-Site: {site}）"
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return "拒绝跨站请求（来源与本站不符）"
    return None


async def sent_token(request: web.Request) -> str:
    if token := request.headers.get(HEADER):
        return token
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()  # cached: the view reads the same form again for free
        value = form.get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


@web.middleware
async def csrf_protect(request: web.Request, handler) -> web.StreamResponse:
    session = await get_session(request)
    expected = session_token(session)
    request[CSRF_TOKEN] = expected
    if request.method in UNSAFE:
        if problem := cross_site(request):
            raise web.HTTPForbidden(reason="Forbidden", text=problem)
        if not hmac.compare_digest((await sent_token(request)).encode(), expected.encode()):
            raise web.HTTPForbidden(reason="Forbidden", text="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    return await handler(request)
