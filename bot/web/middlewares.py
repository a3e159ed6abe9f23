"""Console-wide response policy: security headers, and error pages people can read."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web.files import MAX_UPLOAD_TEXT
from bot.web.render import render

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
TITLES = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "找不到页面", 405: "不支持的操作", 413: "文件太大",
          500: "服务器内部错误", 503: "服务暂不可用"}
OTHER_ERROR = "请求未能完成"
log = logging.getLogger(__name__)


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"


def _our_message(text: str | None) -> bool:
    """Our own errors are Chinese sentences; aiohttp's defaults ("404: Not Found", "Maximum request body size …
    exceeded") are English and are replaced by the page's title."""
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    title = TITLES.get(status, OTHER_ERROR)
    if wants_json(request):
        return web.json_response({"ok": False, "error": message or title}, status=status)
    try:
        return render(request, "error.html", status=status, title=title, message=message or title)
    except Exception:  # the page itself cannot be drawn: plain text still tells the person what happened
        log.exception("error page for %s could not be rendered", request.path)
        return web.Response(text=f"{title}：{message or title}", status=status, content_type="text/plain", charset="utf-8")


@web.middleware
async def error_pages(request: web.Request, handler) -> web.StreamResponse:
    """Every error becomes a page (or JSON) in Chinese; an unexpected one is logged, and its details stay in the log."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.status == 413:  # aiohttp's own words are English
            return _error_page(request, 413, f"上传的内容太大：每次最多 {MAX_UPLOAD_TEXT}。请把文件拆成几份分别导入。")
        return _error_page(request, exc.status, exc.text if _our_message(exc.text) else "")
    except Exception:
        log.exception("console request %s %s failed", request.method, request.path)
        return _error_page(request, 500, "服务器出了点问题，请稍后重试；如果一直出现，请联系系统管理员")


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    """Outside error_pages, so that error pages and redirects carry the headers too."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect, raised on through the session middleware
        _protect(exc)
        raise
    _protect(response)
    return response


def _protect(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type in ("text/html", "application/json"):
        response.headers.setdefault("Cache-Control", "no-store")
