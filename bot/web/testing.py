"""Driving the console in tests: a client that logs in and sends the CSRF token as a browser page would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlite_utils import Database

from bot import accounts
from bot.app import Bot
from bot.clock import FakeClock
from bot.config import Settings
from bot.web.app import build_app

PASSWORD = "grid-pass-123"
# username: (role, scope). Two communities of one street, so that scoping between neighbours is tested.
USERS = {
    "district": ("district", []),
    "street": ("street", ["清水塘街道"]),
    "jinpenling": ("community", ["金盆岭社区"]),
    "xianghe": ("community", ["湘河社区"]),
    "grid1": ("grid", ["金盆岭社区第1网格"]),
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|data-csrf="([^"]+)"')


def console_bot(directory: Path) -> Bot:
    """A bot on a new database in `directory`, on a fake clock at 2026-11-26 09:30, with the test accounts."""
    bot = Bot(Settings(db=str(directory / "bot.db")), clock=FakeClock(datetime(2026, 11, 26, 9, 30)))
    add_test_users(bot.db)
    return bot


async def as_user(bot: Bot, name: str, password: str = PASSWORD) -> ConsoleClient:
    client = await open_console(bot)
    await client.login(name, password)
    return client


def add_test_users(db: Database) -> None:
    for name, (role, scope) in USERS.items():
        if accounts.get_user(db, name) is None:
            accounts.add_user(db, name, PASSWORD, role, scope, display_name=name)


@dataclass(slots=True)
class Page:
    status: int
    text: str
    url: str
    headers: dict

    def __contains__(self, item: str) -> bool:
        return item in self.text


class ConsoleClient:
    def __init__(self, client: TestClient):
        self.client = client
        self.token = ""

    async def _page(self, response) -> Page:
        text = await response.text() if "text" in response.content_type or "json" in response.content_type else ""
        if m := _TOKEN.search(text):
            self.token = m.group(1) or m.group(2)
        return Page(response.status, text, str(response.url), dict(response.headers))

    async def get(self, path: str, **kw) -> Page:
        return await self._page(await self.client.get(path, **kw))

    async def raw_get(self, path: str, **kw):
        return await self.client.get(path, **kw)

    async def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw) -> Page:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        return await self._page(await self.client.post(path, data=data, **kw))

    async def post_file(self, path: str, filename: str, content: bytes | str, fields: dict | None = None) -> Page:
        """A multipart form with one file field named "file", as an upload form sends it."""
        form = FormData()
        for key, value in {"csrf_token": self.token, **(fields or {})}.items():
            form.add_field(key, value)
        form.add_field("file", content.encode("utf-8") if isinstance(content, str) else content, filename=filename)
        return await self._page(await self.client.post(path, data=form))

    async def post_json(self, path: str, payload: dict, csrf: bool = True, **kw) -> tuple[int, dict]:
        headers = {"Accept": "application/json", **({"X-CSRF-Token": self.token} if csrf else {}), **kw.pop("headers", {})}
        response = await self.client.post(path, json=payload, headers=headers, **kw)
        return response.status, await response.json()

    async def login(self, username: str, password: str = PASSWORD) -> Page:
        await self.get("/console/login")
        return await self.post("/console/login", {"username": username, "password": password})

    async def close(self) -> None:
        await self.client.close()


async def open_console(bot: Bot) -> ConsoleClient:
    client = TestClient(TestServer(build_app(bot)))
    await client.start_server()
    return ConsoleClient(client)
