"""An in-memory channel for tests: push messages in, read what the bot sent."""

from __future__ import annotations

import asyncio
import itertools

from bot.channels.base import ChannelError, OnMessage
from bot.messages import Incoming, Outgoing


class MemoryChannel:
    def __init__(self, names: tuple[str, ...] = ("qq", "wechat")):
        self.names = names
        self.sent: list[Outgoing] = []
        self.failures_left = 0  # make the next N sends fail, as a dropped link would
        self._queue: asyncio.Queue[Incoming | None] = asyncio.Queue()
        self._ids = itertools.count(1)

    def push(self, msg: Incoming) -> None:
        self._queue.put_nowait(msg)

    def message_id(self) -> str:
        return f"mem-{next(self._ids)}"

    async def run(self, on_message: OnMessage) -> None:
        while (msg := await self._queue.get()) is not None:
            await on_message(msg)

    def stop(self) -> None:
        self._queue.put_nowait(None)

    async def send(self, item: Outgoing) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ChannelError("link down")
        self.sent.append(item)
