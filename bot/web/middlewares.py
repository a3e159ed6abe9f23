"""Console-wide response policy: security headers, and error pages people can read."""

from __future__ import annotations

from aiohttp import web

from bot.web.render import render

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
TITLES = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "找不到页面", 405: "不支持的操作", 413: "文件太大"}


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"


@web.middleware
async def error_pages(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status not in TITLES:
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else TITLES[exc.status]
        if wants_json(request):
            return web.json_response({"ok": False, "error": message}, status=exc.status)
        return render(request, "error.html", status=exc.status, title=TITLES[exc.status], message=message)


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type in ("text/html", "application/json"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
