"""End to end over the OneBot v11 reverse WebSocket: a local load generator plays the district's groups against
`run_bot.py serve` (pinned to one core), measuring handled messages per second with persistence and the
latency from a resident's message to the bot's reply.

    python benchmarks/end_to_end.py [--soak SECONDS]     (make bench runs it with the defaults; make soak for 10 min)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
SELF_ID = 10001000
QUESTIONS = ["房屋征收的补偿标准是怎么确定的？", "物业费的收费标准是怎么定的？", "三供一业到底指的是哪几样？", "动用维修资金要走什么手续？",
             "业委会怎么成立？", "垃圾分类分哪几类？", "不动产证怎么办理？", "临时安置费怎么算？"]
CHAT = ["大家早上好", "收到谢谢", "哈哈哈哈", "今天菜市场的白菜好便宜", "明天一起去公园跳舞吧", "好的", "[红包]恭喜发财"]
COMPLAINTS = ["{n}栋侧面的路灯不亮好几天了没人修", "{n}栋楼道里垃圾堆了好几天，臭得很", "{n}栋楼下饭店油烟直排，熏得不敢开窗"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def all_qq_registry(target: Path) -> list[int]:
    """The shipped registry with every group on QQ, so one OneBot account can play all 361 groups."""
    rows = list(csv.DictReader((ROOT / "knowledge" / "registry.csv").open(encoding="utf-8")))
    numbers: dict[str, str] = {}
    for row in rows:
        if row["channel"] == "wechat":
            numbers.setdefault(row["id"], str(900_000_000 + len(numbers)))
            row["channel"], row["id"] = "qq", numbers[row["id"]]
    seen, out = set(), []
    for row in rows:
        key = (row["kind"], row["channel"], row["id"], row["grid"])
        if key not in seen:
            seen.add(key)
            out.append(row)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(out)
    return [int(r["id"]) for r in out if r["kind"] == "group"]


def rss_mb(pid: int) -> float:
    try:
        return int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return 0.0


class LoadGenerator:
    """Plays a OneBot implementation: sends group-message events, answers the bot's API calls."""

    def __init__(self, groups: list[int], seed: int = 5):
        self.groups = groups
        self.rng = random.Random(seed)
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.api_calls = 0
        self.next_id = 1

    def event(self) -> dict:
        roll = self.rng.random()
        group = self.rng.choice(self.groups)
        if roll < 0.45:
            text = self.rng.choice(QUESTIONS)
        elif roll < 0.55:
            text = self.rng.choice(COMPLAINTS).format(n=self.rng.randrange(1, 40))
        else:
            text = self.rng.choice(CHAT)
        message_id, self.next_id = self.next_id, self.next_id + 1
        user = 20_000_000 + self.rng.randrange(50_000)
        return {"time": int(time.time()), "self_id": SELF_ID, "post_type": "message", "message_type": "group",
                "sub_type": "normal", "message_id": message_id, "group_id": group, "user_id": user,
                "message": [{"type": "at", "data": {"qq": str(SELF_ID)}}, {"type": "text", "data": {"text": " " + text}}],
                "raw_message": text, "font": 0, "sender": {"user_id": user, "nickname": f"居民{user % 1000}", "card": ""}}

    async def answer_calls(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            call = json.loads(frame.data)
            self.api_calls += 1
            now = time.perf_counter()
            segments = call.get("params", {}).get("message") or []
            for segment in segments if isinstance(segments, list) else []:
                if segment.get("type") == "reply":
                    started = self.sent_at.pop(str(segment["data"]["id"]), None)
                    if started is not None:
                        self.latencies.append((now - started) * 1000)
            await ws.send_str(json.dumps({"status": "ok", "retcode": 0, "data": {"message_id": self.api_calls},
                                          "echo": call.get("echo")}))

    async def offer(self, ws, rate: float | None, count: int) -> float:
        """Send `count` events at `rate` per second (None: as fast as possible); returns the seconds it took."""
        started = time.perf_counter()
        for i in range(count):
            event = self.event()
            self.sent_at[str(event["message_id"])] = time.perf_counter()
            await ws.send_str(json.dumps(event, ensure_ascii=False))
            if rate:
                delay = started + (i + 1) / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % 200 == 0:
                await asyncio.sleep(0)
        return time.perf_counter() - started


def handled(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM inbox WHERE state != 'new'").fetchone()[0]
    finally:
        conn.close()


async def wait_handled(db: Path, total: int, limit: float = 300) -> float:
    started = time.perf_counter()
    while handled(db) < total and time.perf_counter() - started < limit:
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


async def measure(port: int, db: Path, groups: list[int], pid: int, soak: float) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    gen = LoadGenerator(groups)
    headers = {"X-Self-ID": str(SELF_ID), "X-Client-Role": "Universal", "Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"ws://127.0.0.1:{port}/onebot/v11/ws", headers=headers, max_msg_size=0) as ws:
            answering = asyncio.create_task(gen.answer_calls(ws))
            await gen.offer(ws, 50, 100)  # warm-up: first-time caches, the first timed round; not measured
            total = 100
            await wait_handled(db, total)
            for rate, seconds in ((50, 10), (200, 10)):
                gen.latencies.clear()
                count = rate * seconds
                await gen.offer(ws, rate, count)
                total += count
                await wait_handled(db, total)
                await asyncio.sleep(0.5)
                rows.append((f"{rate} messages/s offered ({count} messages): reply latency p50 / p99",
                             f"{pct(gen.latencies, 0.5):.1f} / {pct(gen.latencies, 0.99):.1f} ms ({len(gen.latencies)} replies)"))
            gen.latencies.clear()
            burst = 6000
            started = time.perf_counter()
            await gen.offer(ws, None, burst)
            total += burst
            await wait_handled(db, total)
            elapsed = time.perf_counter() - started
            rows.append(("maximum sustained rate (burst of 6,000, stored and handled)",
                         f"{burst / elapsed:.0f} messages/s; reply latency p50 / p99 {pct(gen.latencies, 0.5):.0f} / "
                         f"{pct(gen.latencies, 0.99):.0f} ms under backlog ({len(gen.latencies)} replies by then)"))
            if soak:
                samples = []
                soak_started = time.perf_counter()
                while time.perf_counter() - soak_started < soak:
                    await gen.offer(ws, 200, 200)
                    samples.append(rss_mb(pid))
                total = gen.next_id - 1
                await wait_handled(db, total)
                rows.append((f"memory over a {soak / 60:.0f}-minute run at 200 messages/s (RSS first / max / last)",
                             f"{samples[0]:.0f} / {max(samples):.0f} / {samples[-1]:.0f} MB"))
            rows.append(("bot process memory at the end (RSS)", f"{rss_mb(pid):.0f} MB"))
            answering.cancel()
    return rows


def run(rows: list[tuple[str, str]], soak: float = 0.0) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="gridbot-bench-"))
    db = scratch / "bench.db"
    groups = all_qq_registry(scratch / "registry.csv")
    env = {**os.environ, "BOT_DB": str(db), "BOT_ONEBOT_ACCESS_TOKEN": TOKEN,
           # Measure the pipeline, not the manners: pacing would hold replies back by design.
           "BOT_GROUP_MIN_INTERVAL_SECONDS": "0", "BOT_ACCOUNT_MESSAGES_PER_MINUTE": "1000000",
           "BOT_RESIDENT_REPLIES_PER_10MIN": "1000000", "BOT_GROUP_REPLIES_PER_10MIN": "1000000",
           "BOT_REPEAT_ANSWER_MINUTES": "0"}
    subprocess.run([sys.executable, "run_bot.py", "registry", "import", str(scratch / "registry.csv")],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    env["BOT_WEB_PORT"] = str(port)
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    bot = subprocess.Popen([*pin, sys.executable, "run_bot.py", "serve"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        rows.append(("conditions", f"bot pinned to core 0 ({'taskset' if pin else 'not pinned: no taskset'}), "
                                   f"{len(groups)} groups on one QQ account, 45% questions / 10% complaints / 45% chat, "
                                   "pacing off"))
        rows += asyncio.run(measure(port, db, groups, bot.pid, soak))
    finally:
        bot.terminate()
        bot.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of steady load to watch memory")
    args = parser.parse_args()
    out: list[tuple[str, str]] = []
    run(out, args.soak)
    for name, value in out:
        print(f"{name}: {value}")
