"""Shared fixtures: a bot on a real SQLite file with a fake clock, an in-memory channel, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from bot.cli import main
from bot.clock import FakeClock
from bot.config import Settings
from bot.messages import Incoming

ROOT = Path(__file__).resolve().parent.parent


def plain(text: str) -> str:
    """A sent text without the bot's invisible signature."""
    from bot.manners import SIGNATURE

    return text.replace(SIGNATURE, "")


class Harness:
    """Drive the whole bot as a chat channel would: push a message, deliver the outbox, read what was sent."""

    def __init__(self, bot: Bot, channel: MemoryChannel):
        self.bot = bot
        self.channel = channel
        self._ids = 0
        rows = bot.db.query("SELECT channel, group_id FROM groups WHERE channel = 'qq' ORDER BY group_id LIMIT 1")
        self.group = next(iter(rows))["group_id"]

    def message(self, text: str, *, mention: bool = False, user: str = "30003000", name: str = "张阿姨",
                group: str | None = "default", message_id: str | None = None, channel: str = "qq") -> Incoming:
        self._ids += 1
        return Incoming(channel, message_id or f"m{self._ids}", self.group if group == "default" else group,
                        user, text, name, mention)

    def say(self, text: str, **kw) -> list:
        """Send one message and deliver; returns what the bot sent because of it."""
        before = len(self.channel.sent)
        self.bot.handle(self.message(text, **kw))
        asyncio.run(self.bot.deliver())
        return self.channel.sent[before:]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 9, 30))


@pytest.fixture
def settings(tmp_path) -> Settings:
    # No pacing in tests that send many messages in one fake second; tests of the pacing itself set it.
    return Settings(db=str(tmp_path / "bot.db"), group_min_interval_seconds=0, account_messages_per_minute=100_000,
                    resident_replies_per_10min=1000, group_replies_per_10min=1000, repeat_answer_minutes=0)


@pytest.fixture
def bot(settings, clock):
    instance = Bot(settings, clock=clock)
    yield instance
    instance.close()


@pytest.fixture
def chat(bot) -> Harness:
    channel = MemoryChannel()
    bot.add_channel(channel)
    return Harness(bot, channel)


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """Run `run_bot.py ARGS` in this process (same code path, much faster than a subprocess)."""
    db = str(tmp_path / "cli.db")

    def run(*args: str, stdin: str | None = None) -> CliResult:
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        argv = list(args)
        if "--db" not in argv and argv and argv[0] not in ("eval",):
            argv += ["--db", db]
        code = main(argv)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    run.db = db
    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_process(*args: str, stdin: str = "", env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run run_bot.py as a real process, as users and the evaluation tools do."""
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args], input=stdin, capture_output=True, text=True,
        timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})},
    )
