"""The terminal chat: talk to the bot as a resident of one registered group, see what it sends."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.base import OnMessage
from bot.messages import Incoming, Outgoing

MENTION_PREFIXES = ("@网格小助手", "@小助手", "@bot")


class TerminalChannel:
    """Stands in for the group's real channel, so replies and workers' notifications all appear here."""

    names = ("qq", "wechat")

    def __init__(self, channel: str, group_id: str, group_name: str, user_name: str,
                 name_of: Callable[[str, str], str] | None = None,
                 stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout):
        self.channel, self.group_id, self.group_name, self.user_name = channel, group_id, group_name, user_name
        self.name_of = name_of or (lambda channel, user_id: user_id)
        self.stdin, self.stdout = stdin, stdout
        self._ids = itertools.count(1)
        self._session = f"term-{id(self):x}"

    def _print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    async def run(self, on_message: OnMessage) -> None:
        loop = asyncio.get_running_loop()
        self._print(f"已进入「{self.group_name}」，您的昵称：{self.user_name}。输入消息后回车；以 @ 开头表示 @网格小助手；Ctrl-D 退出。")
        while True:
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                return
            text = line.rstrip("\n")
            mentioned = text.startswith("@")
            for prefix in MENTION_PREFIXES:
                if text.startswith(prefix):
                    text = text[len(prefix):]
                    break
            else:
                text = text[1:] if mentioned else text
            await on_message(Incoming(
                self.channel, f"{self._session}-{next(self._ids)}", self.group_id, f"terminal-{self.user_name}",
                text.strip(), self.user_name, mentioned,
            ))

    async def send(self, item: Outgoing) -> None:
        if item.kind == "group":
            to = f"@{item.mention_name} " if item.mention_name else ""
            self._print(f"【网格小助手】{to}{item.text}")
        else:
            self._print(f"  ┆ 私信 → {self.name_of(item.channel, item.target)}：" + item.text.replace("\n", "\n  ┆ "))
