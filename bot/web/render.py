"""Pages: the jinja2 environment (autoescape always on), flash messages, and rendering one template."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web
from aiohttp_session import SESSION_KEY

from bot.accounts import ROLES
from bot.cases import STATES
from bot.web.keys import BOT, CSRF_TOKEN, TEMPLATES, USER

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(STATES=STATES, ROLES=ROLES)
    env.filters["short_time"] = lambda value: (value or "")[:16].replace("T", " ")
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
