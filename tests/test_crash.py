"""Crash tolerance: SIGKILL the bot at random points during a burst, restart, repeat. Every message the channel
delivered is handled exactly once; no case is lost or doubled; every reply and notice is sent; SIGTERM is clean."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import free_port

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "crash-test"
SELF_ID = 10001000


class Bot:
    def __init__(self, db: Path):
        self.db, self.port, self.proc = db, free_port(), None
        self.env = {**os.environ, "BOT_DB": str(db), "BOT_WEB_PORT": str(self.port), "BOT_ONEBOT_ACCESS_TOKEN": TOKEN,
                    "BOT_GROUP_MIN_INTERVAL_SECONDS": "0", "BOT_ACCOUNT_MESSAGES_PER_MINUTE": "100000",
                    "BOT_RESIDENT_REPLIES_PER_10MIN": "100000", "BOT_GROUP_REPLIES_PER_10MIN": "100000",
                    "BOT_OUTBOX_RETRY_SECONDS": "0.2", "BOT_OUTBOX_MAX_DELAY_SECONDS": "1"}

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "run_bot.py", "serve"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the bot did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        return self.proc.stderr.read()


def burst(groups: list[int], workers: list[int]) -> list[dict]:
    """Questions, complaints (each a different problem in a different group) and workers' commands."""
    events = []
    questions = ["房屋征收的补偿标准是怎么确定的？", "物业费的收费标准是怎么定的？", "维修资金怎么申请使用？", "业委会怎么成立？"]
    for i in range(24):
        group = groups[i % len(groups)]
        if i % 3 == 0:
            text = f"{i + 1}栋门口的路灯坏了好几天了一直没人修"
        elif i % 3 == 1:
            text = questions[i % len(questions)]
        else:
            text = "大家下午好"
        events.append({"post_type": "message", "message_type": "group", "sub_type": "normal", "message_id": 1000 + i,
                       "group_id": group, "user_id": 30_000_000 + i, "self_id": SELF_ID, "time": int(time.time()),
                       "message": [{"type": "at", "data": {"qq": str(SELF_ID)}}, {"type": "text", "data": {"text": text}}],
                       "sender": {"user_id": 30_000_000 + i, "nickname": f"居民{i}"}})
    for j, worker in enumerate(workers[:6]):
        events.append({"post_type": "message", "message_type": "private", "sub_type": "friend", "message_id": 2000 + j,
                       "user_id": worker, "self_id": SELF_ID, "time": int(time.time()), "message": "我的事项",
                       "sender": {"user_id": worker, "nickname": "网格员"}})
    return events


async def play(port: int, events: list[dict], calls: list[dict], stop_after: float | None) -> None:
    """Connect as the QQ implementation, send every event, answer API calls; return after `stop_after` seconds."""
    headers = {"X-Self-ID": str(SELF_ID), "Authorization": f"Bearer {TOKEN}", "X-Client-Role": "Universal"}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"ws://127.0.0.1:{port}/onebot/v11/ws", headers=headers) as ws:
                async def answer() -> None:
                    async for frame in ws:
                        if frame.type == aiohttp.WSMsgType.TEXT:
                            call = json.loads(frame.data)
                            calls.append(call)
                            await ws.send_str(json.dumps({"status": "ok", "retcode": 0, "data": {"message_id": len(calls)},
                                                          "echo": call.get("echo")}))
                answering = asyncio.create_task(answer())
                for event in events:
                    await ws.send_str(json.dumps(event, ensure_ascii=False))
                    await asyncio.sleep(0.005)
                await asyncio.sleep(stop_after if stop_after is not None else 3.0)
                answering.cancel()
    except (aiohttp.ClientError, ConnectionError):
        pass  # the bot was killed under us


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()



def test_random_sigkills_lose_nothing_and_double_nothing(tmp_path):
    db = tmp_path / "crash.db"
    subprocess.run([sys.executable, "run_bot.py", "ask", "x", "--db", str(db)], cwd=ROOT, check=True, capture_output=True)
    groups = [int(r[0]) for r in rows(db, "SELECT group_id FROM groups WHERE channel = 'qq' ORDER BY group_id LIMIT 8")]
    workers = [int(r[0]) for r in rows(db, "SELECT user_id FROM people WHERE kind = 'worker' AND channel = 'qq' LIMIT 6")]
    events = burst(groups, workers)
    rng = random.Random(11)
    calls: list[dict] = []
    bot = Bot(db)
    kills = 6
    for _ in range(kills):
        bot.start()
        # Each run the channel delivers the whole burst again (at least once); the bot is killed partway.
        asyncio.run(play(bot.port, events, calls, stop_after=rng.uniform(0.0, 0.25)))
        bot.kill()
    bot.start()
    asyncio.run(play(bot.port, events, calls, stop_after=None))
    log = bot.stop()
    assert "Traceback" not in log

    assert rows(db, "SELECT count(*) FROM inbox")[0][0] == len(events)  # each message stored once
    assert rows(db, "SELECT count(*) FROM inbox WHERE state != 'handled'")[0][0] == 0
    complaints = sum("路灯" in json.dumps(e, ensure_ascii=False) for e in events)
    assert rows(db, "SELECT count(*) FROM cases")[0][0] == complaints  # none lost, none doubled
    assert rows(db, "SELECT count(*) FROM outbox WHERE state != 'sent'")[0][0] == 0  # everything delivered
    queued = rows(db, "SELECT count(*) FROM outbox")[0][0]
    sends = [c for c in calls if c.get("action") in ("send_group_msg", "send_private_msg")]
    assert len(sends) >= queued
    # A message can go twice only if the bot was killed between sending it and recording that it was sent.
    keys = Counter(json.dumps(c["params"], sort_keys=True, ensure_ascii=False) for c in sends)
    assert sum(n - 1 for n in keys.values()) <= kills


def test_sigterm_stops_taking_messages_and_finishes_in_flight(tmp_path):
    db = tmp_path / "term.db"
    subprocess.run([sys.executable, "run_bot.py", "ask", "x", "--db", str(db)], cwd=ROOT, check=True, capture_output=True)
    groups = [int(r[0]) for r in rows(db, "SELECT group_id FROM groups WHERE channel = 'qq' ORDER BY group_id LIMIT 8")]
    events = burst(groups, [])
    bot = Bot(db)
    bot.start()
    calls: list[dict] = []
    asyncio.run(play(bot.port, events, calls, stop_after=1.0))
    log = bot.stop()
    assert bot.proc.returncode == 0 and "Traceback" not in log
    stored = rows(db, "SELECT count(*) FROM inbox")[0][0]
    assert stored == len(events)
    assert rows(db, "SELECT count(*) FROM inbox WHERE state = 'new'")[0][0] == 0
