"""WeCom (企业微信) group-robot webhook: case and alert messages as markdown to a staff group."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from bot.channels.base import ChannelError, OnMessage
from bot.messages import Outgoing

MAX_BYTES = 4096  # the robot API's limit for markdown content
# The webhook URL's key is the robot's only credential: whoever has it can post into the staff group.
_KEY = re.compile(r"(key=)[^&#\s'\"]+", re.IGNORECASE)


def scrub_key(text: str) -> str:
    """`text` with any webhook key replaced by ***: errors end up in /healthz, the log and the outbox table."""
    return _KEY.sub(r"\1***", text)


class WeComWebhook:
    names = ("wecom",)

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.last_error: str | None = None

    async def run(self, on_message: OnMessage) -> None:
        try:
            await asyncio.Event().wait()  # send-only: nothing comes in
        finally:
            if self._session is not None:
                await self._session.close()

    async def send(self, item: Outgoing) -> None:
        content = item.text.encode("utf-8")[:MAX_BYTES].decode("utf-8", "ignore")
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
        try:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=self.timeout)
            async with self._session.post(self.url, json=payload) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.last_error = self._scrub(f"{type(exc).__name__}: {exc}")
            raise ChannelError(f"WeCom webhook unreachable: {self.last_error}") from None
        if response.status != 200 or not isinstance(body, dict) or body.get("errcode") != 0:
            self.last_error = self._scrub(f"HTTP {response.status}: {body}")
            raise ChannelError(f"WeCom webhook refused the message: {self.last_error}")
        self.last_error = None

    def _scrub(self, text: str) -> str:
        # The whole URL first: a key in an unusual spot (or a mistyped parameter name) still stays out.
        return scrub_key(text.replace(self.url, "<webhook URL>") if self.url else text)

    def health(self) -> dict:
        return {"state": "down" if self.last_error else "up", "last_error": self.last_error}
