"""Channels: the only code that speaks a chat protocol. They translate to and from the neutral messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.messages import Incoming, Outgoing

OnMessage = Callable[[Incoming], Awaitable[None]]


class ChannelError(Exception):
    """A message could not be sent; the outbox keeps it and retries."""


class Channel(Protocol):
    # The outbox channel names this channel delivers for ("qq", "wechat", …).
    names: tuple[str, ...]

    async def run(self, on_message: OnMessage) -> None: ...

    async def send(self, item: Outgoing) -> None: ...
