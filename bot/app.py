"""The running bot: the store, the understanding of messages, the dispatcher, channels and the outbox loop."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque

import sqlite_utils

from bot import kb, outbox
from bot.channels.base import Channel
from bot.clock import Clock
from bot.config import Settings
from bot.casework import CaseDesk
from bot.dispatcher import Dispatcher
from bot.messages import Incoming, Outgoing
from bot.manners import Governor
from bot.metrics import Metrics
from bot.stats import Stats
from bot.registry import replace_registry
from bot.store import get_meta, open_db, set_meta
from intents.classify import Thresholds, Understanding
from knowledge.kbfile import read_shipped
from knowledge.registryfile import SHIPPED, read_registry_file

log = logging.getLogger(__name__)


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        mention=settings.faq_threshold_mention, plain=settings.faq_threshold_plain,
        suggest=settings.faq_suggest_threshold, margin=settings.faq_margin, meaning=settings.faq_meaning_cosine,
        meaning_lead=settings.faq_meaning_lead, meaning_sure=settings.faq_meaning_sure,
        complaint=settings.complaint_threshold, report_sure=settings.report_model_sure,
    )


def seed_defaults(db, clock: Clock) -> None:
    """A new database gets the shipped registry and knowledge base; from then on the database is the truth."""
    if get_meta(db, "registry_seeded") is None:
        replace_registry(db, read_registry_file(SHIPPED))
        set_meta(db, "registry_seeded", clock.iso())
    if get_meta(db, "kb_seeded") is None:
        kb.import_entries(db, read_shipped(), author="system", at=clock.iso())
        set_meta(db, "kb_seeded", clock.iso())


class Bot:
    def __init__(self, settings: Settings, clock: Clock | None = None, seed: bool = True,
                 db: sqlite_utils.Database | None = None):
        self.settings = settings
        self.clock = clock or Clock(settings.timezone)
        # `db`: an already open database (the terminal chat's private copy) instead of the one the settings name.
        self.db = db if db is not None else open_db(settings.db_path if settings.db != ":memory:" else ":memory:",
                                                    settings.db_busy_timeout)
        if seed:
            seed_defaults(self.db, self.clock)
        self._kb_revision = kb.revision(self.db)
        self.understanding = Understanding(kb.load_entries(self.db), thresholds(settings),
                                           use_meaning=settings.sentence_meaning)
        self.stats = Stats(self.db)
        self.cases = CaseDesk(self.db, self.clock, settings, self.understanding.category_labels)
        self.dispatcher = Dispatcher(self.db, self.clock, self.understanding, self.cases, settings)
        self.dispatcher.on_handled = lambda intent: self.metrics.count(f"handled_{intent}")
        self.governor = Governor(settings.group_min_interval_seconds, settings.account_messages_per_minute,
                                 now=lambda: self.clock.now().timestamp())
        self.channels: dict[str, Channel] = {}
        self.metrics = Metrics()
        self.metrics.gauges["outbox_backlog"] = lambda: outbox.backlog(self.db)
        self.metrics.gauges["open_cases"] = lambda: self.db.execute(
            "SELECT count(*) FROM cases WHERE state IN ('accepted', 'assigned', 'in_progress', 'returned')").fetchone()[0]
        self._outbox_wakeup = asyncio.Event()
        self._unstored: deque[Incoming] = deque(maxlen=10_000)  # arrived while the store was unavailable

    def add_channel(self, channel: Channel) -> None:
        for name in channel.names:
            self.channels[name] = channel
        # Hooks a channel may offer: left alone when the channel was given its own.
        if hasattr(channel, "on_link_up") and channel.on_link_up is None:
            channel.on_link_up = self.link_up
        if hasattr(channel, "alert") and channel.alert is None:
            channel.alert = self.alert

    def link_up(self, names: tuple[str, ...]) -> None:
        """A channel's link came (back) up: what waits out a retry delay on it is due now."""
        names = [n for n in names if n]
        self.db.execute(
            f"UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending' AND channel IN ({','.join('?' * len(names))})",
            [self.clock.iso(), *names])
        self._outbox_wakeup.set()

    def alert(self, text: str, key: str) -> None:
        """Tell the admins something is wrong (a channel down …): logged, and queued for the WeCom webhook if set."""
        log.warning("ALERT %s", text)
        self.metrics.count("alerts")
        if self.settings.wecom_webhook_url:
            with self.db.atomic():
                outbox.enqueue(self.db, self.clock, kind="webhook", channel="wecom", target="admins",
                               text=text, dedupe_key=f"alert:{key}")
            self._outbox_wakeup.set()

    def reload_kb(self) -> None:
        revision = kb.revision(self.db)
        self.understanding.reload(kb.load_entries(self.db))
        self.dispatcher.knowledge_changed()
        self._kb_revision = revision

    def refresh_kb(self) -> None:
        """Reload the knowledge base if it changed since it was loaded, also when another process changed it
        (`kb import` while the server runs). One indexed query when nothing changed: cheap enough per message."""
        if kb.revision(self.db) == self._kb_revision:
            return
        try:
            self.reload_kb()
        except sqlite3.OperationalError:
            raise  # the store is busy: the message waits and is retried, and so is the reload
        except Exception:
            self._kb_revision = kb.revision(self.db)  # not again on every message: the next change retries
            log.exception("知识库已被其他进程修改，但重新加载失败，继续使用原来的知识库")

    def channel_health(self) -> dict[str, object]:
        """Each channel's own report of its links (what /healthz shows)."""
        return {name: getattr(channel, "health", lambda: {"state": "up"}) for name, channel in self.channels.items()}

    def handle(self, msg: Incoming) -> list[int]:
        started = time.perf_counter()
        self.refresh_kb()
        queued = self.dispatcher.handle(msg)
        self.metrics.observe_latency(time.perf_counter() - started)
        self.metrics.count("messages")
        if queued:
            self.metrics.count("outbox_queued", len(queued))
            self._outbox_wakeup.set()
        return queued

    async def on_message(self, msg: Incoming) -> None:
        try:
            self.handle(msg)
        except sqlite3.OperationalError as exc:
            # Locked by another process, disk full, I/O error: say so plainly and try again shortly.
            log.error("数据库暂不可用（%s）：消息 %s/%s 稍后重试", exc, msg.channel, msg.message_id)
            self.metrics.count("store_errors")
            self._unstored.append(msg)
        # A queue with a backlog hands its messages over without a pause; let the outbox send between them, so
        # replies go out while a burst is still being read rather than after it.
        await asyncio.sleep(0)

    def retry_unstored(self) -> int:
        """Handle what could not be stored or finished while the store was unavailable; stop at the next error."""
        if not self._unstored:
            return 0
        done = 0
        try:
            self.dispatcher.resume()
            while self._unstored:
                self.handle(self._unstored[0])
                self._unstored.popleft()
                done += 1
        except sqlite3.OperationalError as exc:
            log.error("数据库仍不可用（%s）：%d 条消息等待重试", exc, len(self._unstored))
        return done

    async def _send(self, item: Outgoing) -> None:
        await self.channels[item.channel].send(item)

    def _sender_of(self, item: Outgoing) -> str | None:
        """The account a channel of several accounts (QQ) will send this item from; None when it has only one."""
        sender_of = getattr(self.channels[item.channel], "sender_of", None)
        return sender_of(item) if sender_of is not None else None

    async def deliver(self) -> int:
        """Send every outbox item that is due on a connected channel."""
        s = self.settings
        return await outbox.deliver_due(self.db, self.clock, self._send, set(self.channels),
                                        s.outbox_retry_seconds, s.outbox_max_delay_seconds, self.governor,
                                        self._sender_of)

    def tick(self) -> int:
        """Time-driven work: overdue "where exactly?" questions, reminders, escalations, digests."""
        queued = len(self.dispatcher.expire_followups()) + self.cases.tick()
        if queued:
            self._outbox_wakeup.set()
        return queued

    async def run_clock(self, stop: asyncio.Event, every: float = 30.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("timed work failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                pass

    async def warm_meaning(self, stop: asyncio.Event) -> None:
        """Ready the sentence encoder and the phrasings' vectors in a thread while the bot answers, not on a resident's
        question; when `stop` is set the thread finishes its batch and ends."""
        done = threading.Event()
        work = asyncio.get_running_loop().run_in_executor(None, self.understanding.warm, done)
        work.add_done_callback(self._warmed)
        try:
            await stop.wait()
        finally:
            done.set()
            await asyncio.gather(work, return_exceptions=True)  # _warmed has said what went wrong

    @staticmethod
    def _warmed(work: asyncio.Future) -> None:
        if work.cancelled():
            return
        if (error := work.exception()) is not None:
            log.error("句向量预热失败，拿不准的问题到时再算", exc_info=error)
        elif work.result():
            log.info("句向量预热：新编码 %d 条问法", work.result())

    async def run_outbox(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.retry_unstored()
                await self.deliver()
            except sqlite3.OperationalError as exc:
                log.error("数据库暂不可用（%s）：发件箱稍后重试", exc)
            except Exception:
                log.exception("outbox delivery round failed")
            self._outbox_wakeup.clear()
            waits = [asyncio.ensure_future(self._outbox_wakeup.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waits, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()

    async def run(self, channels: list[Channel]) -> None:
        """Run until every channel has finished (the terminal ends at end of input)."""
        for channel in channels:
            self.add_channel(channel)
        self.dispatcher.resume()
        stop = asyncio.Event()
        loops = [asyncio.create_task(self.run_outbox(stop)), asyncio.create_task(self.run_clock(stop)),
                 asyncio.create_task(self.warm_meaning(stop))]
        try:
            await asyncio.gather(*(c.run(self.on_message) for c in channels))
            await self.drain()
        finally:
            stop.set()
            await asyncio.gather(*loops)

    async def drain(self, limit: float = 15.0) -> None:
        """Deliver what is queued (paced by the governor) before stopping, for at most `limit` seconds."""
        deadline = time.monotonic() + limit
        while outbox.backlog(self.db, set(self.channels)) and time.monotonic() < deadline:
            await self.deliver()
            if outbox.backlog(self.db, set(self.channels)):
                await asyncio.sleep(0.5)

    def close(self) -> None:
        if self.understanding.meaning is not None:
            self.understanding.meaning.close()
        self.db.close()
