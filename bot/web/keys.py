"""Typed keys for what the web application and each request hold."""

from __future__ import annotations

import jinja2
from aiohttp import web

from bot.accounts import User
from bot.app import Bot
from bot.channels.simulator import SimulatorChannel
from bot.web.pending import PendingImports

BOT = web.AppKey("bot", Bot)
STARTED = web.AppKey("started", float)
PENDING_IMPORTS = web.AppKey("pending_imports", PendingImports)  # previewed imports waiting for their confirmation

# The console sub-application.
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SIMULATOR = web.AppKey("simulator", SimulatorChannel)  # absent when no simulator channel runs

# Per request, set by the console's middlewares.
USER = web.RequestKey("user", User)
CSRF_TOKEN = web.RequestKey("csrf_token", str)
SCOPE = web.RequestKey("scope", object)  # bot.web.scope.Scope, worked out once per request
