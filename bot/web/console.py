"""The admin console: a sub-application under /console with its own sessions, CSRF checks and login."""

from __future__ import annotations

from aiohttp import web

from bot.app import Bot
from bot.channels.simulator import SimulatorChannel
from bot.web.auth import require_login, sessions
from bot.web.csrf import csrf_protect
from bot.web.keys import SIMULATOR, TEMPLATES
from bot.web.middlewares import error_pages, security_headers
from bot.web.render import STATIC_DIR, make_templates
from bot.web.routes import console_routes

PREFIX = "/console"


async def to_console(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def mount_console(app: web.Application, bot: Bot) -> web.Application:
    """Everything the console serves; the OneBot and health routes of `app` stay untouched by its middlewares."""
    console = web.Application(middlewares=[sessions(bot), security_headers, error_pages, csrf_protect, require_login])
    console[TEMPLATES] = make_templates(bot.settings.timezone)
    simulator = next((c for c in bot.channels.values() if isinstance(c, SimulatorChannel)), None)
    if simulator is not None:
        console[SIMULATOR] = simulator

        async def release_polls(_: web.Application) -> None:
            simulator.release()

        console.on_shutdown.append(release_polls)
    console_routes(console)
    console.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
    app.add_subapp(PREFIX, console)
    app.router.add_get("/", to_console)
    return console
