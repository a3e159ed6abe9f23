"""Typed keys for what the web application holds."""

from __future__ import annotations

from aiohttp import web

from bot.app import Bot

BOT = web.AppKey("bot", Bot)
STARTED = web.AppKey("started", float)
