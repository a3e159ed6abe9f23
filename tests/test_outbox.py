"""The outbox through a long outage: everything queues, backs off, and is delivered in order when the link returns."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from tests.conftest import Harness


class CountingChannel(MemoryChannel):
    def __init__(self):
        super().__init__()
        self.attempts = 0
        self.down = False

    async def send(self, item):
        self.attempts += 1
        if self.down:
            from bot.channels.base import ChannelError

            raise ChannelError("link down")
        self.sent.append(item)


def test_a_long_outage_queues_backs_off_and_delivers_in_order(settings, clock):
    bot = Bot(replace(settings, outbox_retry_seconds=5, outbox_max_delay_seconds=300,
                      group_min_interval_seconds=3, account_messages_per_minute=20), clock=clock)
    channel = CountingChannel()
    bot.add_channel(channel)
    chat = Harness(bot, channel)
    channel.down = True
    for n in range(1, 9):  # eight complaints: replies to the group and notices to the same worker, in order
        bot.handle(chat.message(f"{n}栋门口的路灯坏了好几天了没人修", mention=True, user=f"{n}000", name=f"居民{n}"))
    queued = bot.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    for _ in range(360):  # three hours of one delivery round a minute (the loop runs every second in service)
        asyncio.run(bot.deliver())
        clock.advance(seconds=30)
    # Backoff: each recipient is tried about log2(300 s / 5 s) + 3 h / 300 s ≈ 43 times, not every round.
    recipients = bot.db.execute("SELECT count(DISTINCT channel || target) FROM outbox").fetchone()[0]
    assert 0 < channel.attempts <= recipients * 45
    assert bot.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == queued
    channel.down = False
    bot.link_up(("qq",))  # the link is back: what waits out a delay is due now
    rounds = 0
    while bot.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] and rounds < 200:
        asyncio.run(bot.deliver())
        clock.advance(seconds=1)
        rounds += 1
    assert len(channel.sent) == queued
    # In order per recipient …
    by_target: dict[str, list[int]] = {}
    for item in channel.sent:
        by_target.setdefault(item.target, []).append(item.id)
    assert all(ids == sorted(ids) for ids in by_target.values())
    # … and without a flood: the group got at most one message every 3 seconds.
    assert rounds >= 3 * (len(by_target[chat.group]) - 1)
    bot.close()
