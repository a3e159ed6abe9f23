"""Pages: the jinja2 environment (autoescape always on), flash messages, and rendering one template."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from aiohttp_session import SESSION_KEY

from bot.accounts import ROLES
from bot.cases import STATES
from bot.casework import NOTE_MAX
from bot.web.keys import BOT, CSRF_TOKEN, TEMPLATES, USER

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def short_time(value: str | None, tz: ZoneInfo) -> str:
    """'2026-11-26T06:09:00+00:00' → '2026-11-26 14:09' in the district's time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value[:16].replace("T", " ")
    return (moment.astimezone(tz) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")


def make_templates(timezone: str = "Asia/Shanghai") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(STATES=STATES, ROLES=ROLES, NOTE_MAX=NOTE_MAX)
    tz = ZoneInfo(timezone)
    env.filters["short_time"] = lambda value: short_time(value, tz)
    return env


def flash(request: web.Request, text: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    session = request[SESSION_KEY]
    session["flash"] = [*session.get("flash", []), [kind, text]]


def render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    session = request.get(SESSION_KEY)
    flashes = session.pop("flash", []) if session is not None and "flash" in session else []
    bot = request.config_dict[BOT]
    page = request.config_dict[TEMPLATES].get_template(template).render(
        user=request.get(USER), csrf_token=request.get(CSRF_TOKEN, ""), flashes=flashes, path=request.path,
        labels=bot.understanding.category_labels, **context,
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def redirect(location: str) -> web.HTTPSeeOther:
    """After a successful form post: see the result with a GET (a reload does not post again)."""
    return web.HTTPSeeOther(location)
