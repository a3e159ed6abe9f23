"""The console's group-chat simulator: a channel whose groups and workers' inboxes are a page in the browser.

A message typed on the page goes through the whole pipeline with the group's own id, on the simulated twin of the
group's channel ("simulator:wechat" for a WeChat group, see bot/simulated.py): it is answered, asks where, files a
case and tells the grid's workers as in the real group, and every reply and notice comes back here, never to a real
group or worker, whether real channels run beside it or not.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from bot.channels.base import ChannelError, OnMessage
from bot.clock import Clock
from bot.messages import Incoming, Outgoing
from bot.simulated import CHANNELS, simulated

MENTION_PREFIXES = ("@网格小助手", "@小助手", "@bot")
KEEP = 5000  # lines kept in memory, all groups together


@dataclass(frozen=True, slots=True)
class Line:
    seq: int
    at: str  # HH:MM:SS, for display
    kind: str  # "resident" (typed in a group) | "bot" (bot in a group) | "to_worker" | "from_worker"
    channel: str  # simulated: "simulator:qq" | "simulator:wechat"
    target: str  # group id for group lines, user id for private ones
    who: str
    text: str
    mention: str = ""  # whom the bot's group reply @-mentions

    def as_dict(self) -> dict:
        return asdict(self)


def split_mention(text: str) -> tuple[str, bool]:
    """'@网格小助手 补偿怎么算' → ('补偿怎么算', True)."""
    text = text.strip()
    for prefix in MENTION_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):].strip(), True
    return text, False


class SimulatorChannel:
    names = tuple(simulated(channel) for channel in CHANNELS)

    def __init__(self, clock: Clock | None = None, keep: int = KEEP):
        self.clock = clock or Clock()
        self.lines: deque[Line] = deque(maxlen=keep)
        self._seq = itertools.count(1)
        self._on_message: OnMessage | None = None
        self._stop: asyncio.Event | None = None
        self._news: asyncio.Event | None = None

    @property
    def ready(self) -> bool:
        return self._on_message is not None

    def health(self) -> dict[str, object]:
        """/healthz shows the simulator as such: no real QQ or WeChat link is behind it."""
        return {"state": "up", "simulated": True}

    async def run(self, on_message: OnMessage) -> None:
        self._on_message = on_message
        self._stop = asyncio.Event()
        try:
            await self._stop.wait()
        finally:
            self._on_message = None

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self.release()

    def release(self) -> None:
        """End every long poll now (the server is shutting down)."""
        if self._news is not None:
            self._news.set()

    def _add(self, kind: str, channel: str, target: str, who: str, text: str, mention: str = "") -> Line:
        line = Line(next(self._seq), self.clock.now().strftime("%H:%M:%S"), kind, channel, target, who, text, mention)
        self.lines.append(line)
        if self._news is not None:
            self._news.set()
        return line

    async def say(self, channel: str, group_id: str, user_name: str, text: str, mentioned: bool = False) -> Line:
        """A resident types in a group."""
        if self._on_message is None:
            raise ChannelError("模拟群聊未启动")
        body, prefixed = split_mention(text)
        mentioned = mentioned or prefixed
        shown = f"@网格小助手 {body}" if mentioned else body
        line = self._add("resident", simulated(channel), group_id, user_name, shown)
        await self._on_message(Incoming(
            simulated(channel), f"sim-{uuid.uuid4().hex}", group_id, f"sim:{user_name}", body,
            user_name, mentioned,
        ))
        return line

    async def whisper(self, channel: str, user_id: str, user_name: str, text: str) -> Line:
        """A grid worker writes to the bot in private (e.g. to take a case)."""
        if self._on_message is None:
            raise ChannelError("模拟群聊未启动")
        line = self._add("from_worker", simulated(channel), user_id, user_name, text.strip())
        await self._on_message(Incoming(
            simulated(channel), f"sim-{uuid.uuid4().hex}", None, user_id, text.strip(), user_name, False,
        ))
        return line

    async def send(self, item: Outgoing) -> None:
        if item.kind == "group":
            self._add("bot", item.channel, item.target, "网格小助手", item.text, item.mention_name or "")
        else:
            self._add("to_worker", item.channel, item.target, "网格小助手", item.text)

    def feed(self, since: int, groups: Iterable[tuple[str, str]], people: Iterable[tuple[str, str]]) -> list[Line]:
        """Lines after `since` in these groups, and private lines to or from these people ((channel, id) pairs, the
        channel real or simulated)."""
        groups = {(simulated(channel), group_id) for channel, group_id in groups}
        people = {(simulated(channel), user_id) for channel, user_id in people}

        def wanted(line: Line) -> bool:
            return (line.channel, line.target) in (groups if line.kind in ("resident", "bot") else people)

        return [line for line in self.lines if line.seq > since and wanted(line)]

    async def wait(self, since: int, timeout: float) -> None:
        """Long poll: return when a line newer than `since` exists, or after `timeout` seconds."""
        if self.lines and self.lines[-1].seq > since:
            return
        if self._news is None or self._news.is_set():
            self._news = asyncio.Event()
        try:
            await asyncio.wait_for(self._news.wait(), timeout)
        except TimeoutError:
            pass
