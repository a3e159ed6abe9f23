"""Typed keys for what the web application and each request hold."""

from __future__ import annotations

import jinja2
from aiohttp import web

from bot.accounts import User
from bot.app import Bot
from bot.channels.simulator import SimulatorChannel

BOT = web.AppKey("bot", Bot)
STARTED = web.AppKey("started", float)

# The console sub-application.
TEMPLATES = web.AppKey("templates", jinja2.Environment)
SIMULATOR = web.AppKey("simulator", SimulatorChannel)  # absent when no simulator channel runs

# Per request, set by the console's middlewares.
USER = web.RequestKey("user", User)
CSRF_TOKEN = web.RequestKey("csrf_token", str)
SCOPE = web.RequestKey("scope", object)  # bot.web.scope.Scope, worked out once per request
