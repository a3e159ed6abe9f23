"""Build the aiohttp application every HTTP feature is mounted on."""

from __future__ import annotations

import time

from aiohttp import web

from bot.app import Bot
from bot.web.console import mount_console
from bot.web.files import MAX_UPLOAD_BYTES
from bot.web.keys import BOT, PENDING_IMPORTS, STARTED
from bot.web.pending import PendingImports


async def healthz(request: web.Request) -> web.Response:
    bot = request.app[BOT]
    channels = {name: health() for name, health in bot.channel_health().items()}
    meaning = bot.understanding.meaning
    return web.json_response({"status": "ok", "uptime_seconds": round(time.monotonic() - request.app[STARTED], 1),
                              "channels": channels, "sentence_meaning": meaning.encoder.state if meaning else "off"})


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=request.app[BOT].metrics.render(), content_type="text/plain", charset="utf-8")


def build_app(bot: Bot) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
    app[BOT] = bot
    app[STARTED] = time.monotonic()
    app[PENDING_IMPORTS] = PendingImports()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    for channel in dict.fromkeys(bot.channels.values()):
        mount = getattr(channel, "mount", None)
        if mount is not None:
            mount(app)
    mount_console(app, bot)
    return app
