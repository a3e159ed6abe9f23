"""WeChat through a wechaty puppet service; the only module that imports wechaty, and only once the channel runs.

python-wechaty's own `Wechaty.start()` is not used: it prints and swallows most errors, sleeps 60 s on network
errors, never reconnects when the event stream ends, and calls `loop.stop()` (stopping the whole bot) when the
gateway cannot be reached (shared/PROTOCOLS.md B.7). `run()` drives the same steps itself, so every failure reaches
one supervisor that restarts the link with capped exponential backoff and tells the admins when it stays down.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.channels.base import ChannelError, OnMessage
from bot.config import ConfigError, Settings
from bot.messages import Incoming, Outgoing

log = logging.getLogger(__name__)

ENDPOINT_ENV = "WECHATY_PUPPET_SERVICE_ENDPOINT"
TOKEN_ENV = "WECHATY_PUPPET_SERVICE_TOKEN"
Alert = Callable[[str, str], None]


class LinkEnded(Exception):
    """One connection to the puppet gateway is over; the message says why."""


class _Redactor(logging.Filter):
    """Blanks the token in log records and error texts (PuppetService logs it at every start)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.scrub(record.getMessage()), ()
        return True


_redactor = _Redactor()


def describe(exc: BaseException) -> str:
    """A short account of an error for logs, health and alerts, with the token blanked out."""
    status = getattr(exc, "status", None)  # grpclib.exceptions.GRPCError
    if status is not None:
        text = f"gRPC {getattr(status, 'name', status)}: {getattr(exc, 'message', '') or ''}".rstrip(": ")
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return _redactor.scrub(text)


_WECHATY_LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
# Warnings that come with every (re)start or concurrent payload load and mean nothing to an operator:
# PuppetService's "two endpoints / endpoint and token<…>", the plugin manager's "no blueprint", and
# Accessory's "set payload more than once".
_QUIETER = {"PuppetService": logging.ERROR, "wechaty.plugin": logging.ERROR, "Accessory": logging.ERROR}


def _import_wechaty() -> None:
    """Import wechaty the way it works on 3.11 and route its loggers into ours (idempotent)."""
    from bot.channels import wechaty_compat

    with wechaty_compat.importing():
        import wechaty  # noqa: F401
        import wechaty_puppet_service  # noqa: F401  (imported lazily by wechaty; its logger must exist now)
    # Each wechaty module logs through its own INFO-level stderr handler, message texts included. Hand its records
    # to the application's logging instead, warnings and up, unless the operator set WECHATY_LOG.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or _redactor in logger.filters:
            continue
        if not logger.propagate and logger.handlers and all(
            getattr(h.formatter, "_fmt", None) == _WECHATY_LOG_FORMAT for h in logger.handlers
        ):
            logger.handlers = []
            logger.propagate = True
            if "WECHATY_LOG" not in os.environ:
                logger.setLevel(_QUIETER.get(name, logging.WARNING))
            logger.addFilter(_redactor)
    # At DEBUG, hpack logs every header it encodes, the token in `:authority` included.
    hpack = logging.getLogger("hpack.hpack")
    if _redactor not in hpack.filters:
        hpack.addFilter(_redactor)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class _Link:
    """One connection attempt: the wechaty client, its event-stream task and what it has seen."""

    client: Any
    scheduler: Any
    puppet: Any = None
    task: asyncio.Task | None = None
    login: asyncio.Event = field(default_factory=asyncio.Event)
    logout: asyncio.Event = field(default_factory=asyncio.Event)
    last_event: float = field(default_factory=time.monotonic)
    scan_url: str | None = None

    def touch(self) -> None:
        self.last_event = time.monotonic()


class WechatyChannel:
    names = ("wechat",)

    def __init__(
        self, settings: Settings, alert: Alert | None = None, *, first_backoff: float = 1.0,
        max_backoff: float = 300.0, alert_after: int = 3, stable_seconds: float = 60.0,
        probe_seconds: float = 120.0, rpc_timeout: float = 20.0,
    ):
        self.endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
        self.token = os.environ.get(TOKEN_ENV, "").strip()
        if not self.endpoint:
            raise ConfigError(f"WeChat: set {ENDPOINT_ENV} to the puppet gateway's host:port")
        if self.endpoint.startswith("https://"):
            raise ConfigError(f"WeChat: {ENDPOINT_ENV} is https, but python-wechaty 0.10.7 has no TLS; run the gateway "
                              "with WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true and give host:port")
        if not self.token:
            raise ConfigError(f"WeChat: set {TOKEN_ENV} to the gateway's token (the client cannot connect without one)")
        _redactor.secrets.add(self.token)
        self.login_timeout = float(settings.wechaty_login_timeout)
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.alert_after, self.stable_seconds = alert_after, stable_seconds
        self.probe_seconds, self.rpc_timeout = probe_seconds, rpc_timeout
        self.alert = alert  # e.g. Bot.alert; may also be set after construction
        self._state = "down"
        self._link: _Link | None = None  # set only while logged in
        self._self_id: str | None = None
        self._self_name = ""
        self._restarts = 0
        self._failures = 0  # consecutive attempts that did not stay up
        self._last_error: str | None = None
        self._incident: int | None = None  # set once the admins were told the link is down
        self._delay = first_backoff
        self._scan_url: str | None = None  # the gateway asked for a QR-code scan
        self._handlers: set[asyncio.Task] = set()

    def health(self) -> dict[str, object]:
        return {"state": self._state, "logged_in_as": self._self_id if self._state == "up" else None,
                "name": self._self_name or None, "restarts": self._restarts, "failures": self._failures,
                "last_error": self._last_error}

    # -- the supervisor ---------------------------------------------------------------------------
    async def run(self, on_message: OnMessage) -> None:
        try:
            _import_wechaty()
        except Exception as exc:  # e.g. Python 3.13, where telnetlib is gone
            self._last_error = f"cannot import wechaty: {describe(exc)}"
            log.exception("WeChat channel off: %s", self._last_error)
            self._notify(f"微信通道无法启动：{self._last_error}", "wechat-import")
            raise
        self._delay = self.first_backoff
        try:
            for attempt in itertools.count():
                if attempt:
                    self._restarts += 1
                self._state = "connecting"
                try:
                    await self._connect(on_message)
                    reason = "link ended"
                except LinkEnded as exc:
                    reason = str(exc)
                except Exception as exc:
                    log.debug("WeChat link attempt failed", exc_info=True)
                    reason = describe(exc)
                self._state = "down"
                self._failures += 1
                self._last_error = _redactor.scrub(reason)[:300]
                log.warning("WeChat link down (%s); restarting in %.1fs", self._last_error, self._delay)
                if self._failures >= self.alert_after and self._incident is None:
                    self._tell_admins_down()
                await asyncio.sleep(self._delay)
                self._delay = min(self._delay * 2, self.max_backoff)
        finally:
            self._state, self._link = "down", None

    async def _connect(self, on_message: OnMessage) -> None:
        """Connect, log in and watch one link; it always ends by raising LinkEnded (or another error)."""
        await self._check_reachable()
        link = self._new_link(on_message)
        try:
            await link.client.init_puppet()
            link.puppet = link.client.puppet
            self._fresh_pools(link.client)
            await link.client.init_puppet_event_bridge(link.puppet)
            # Stop, Start, then the Event stream; returns when the gateway ends the stream.
            link.task = asyncio.create_task(link.puppet.start(), name="wechaty-event-stream")
            await self._await_login(link)
            self._scan_url = None
            self._link, self._state = link, "up"
            log.info("WeChat link up, logged in as %s (%s)", self._self_name, self._self_id)
            await self._watch(link)
        finally:
            self._link = None
            await self._teardown(link)

    def _stable(self) -> None:
        """The link has stayed up for stable_seconds: a flapping link does not count as recovered before that."""
        self._failures, self._delay = 0, self.first_backoff
        if self._incident is not None:
            self._notify(f"微信通道已恢复，当前登录账号：{self._self_name or self._self_id}。", f"wechat-up-{self._incident}")
            self._incident = None

    async def _check_reachable(self) -> None:
        # wechaty pings the gateway with a blocking telnet connect (up to 3 s, freezing the bot): check first, async.
        from wechaty_puppet_service.utils import extract_host_and_port

        host, port = extract_host_and_port(self.endpoint)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        except (OSError, asyncio.TimeoutError) as exc:
            raise LinkEnded(f"puppet gateway {self.endpoint} unreachable: {describe(exc)}") from None
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass

    def _new_link(self, on_message: OnMessage) -> _Link:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from wechaty import Wechaty, WechatyOptions
        from wechaty_puppet import PuppetOptions

        # A fresh PuppetOptions (the default one is shared and mutated, B.2), a free port for the plugin server it
        # checks at login (B.7.2), and an in-memory scheduler instead of the default shared SQLite job store.
        scheduler = AsyncIOScheduler()
        client = Wechaty(WechatyOptions(puppet_options=PuppetOptions(), host="127.0.0.1", port=_free_port(),
                                        scheduler=scheduler))
        link = _Link(client, scheduler)
        client.on("login", lambda contact: self._on_login(link, contact))
        client.on("logout", lambda *_: link.logout.set())
        client.on("message", lambda msg: self._spawn(self._on_message(link, msg, on_message)))
        client.on("scan", lambda qr_code, status, data=None: self._on_scan(link, qr_code, status))
        client.on("heartbeat", lambda *_: link.touch())
        client.on("dong", lambda *_: link.touch())
        client.on("error", lambda payload: log.warning("WeChat gateway error: %s", _redactor.scrub(str(payload))))
        return link

    @staticmethod
    def _fresh_pools(client: Any) -> None:
        # Room, Contact and Tag objects are cached in class-level pools shared by every client in the process; after
        # a restart they would still point at the old, stopped puppet. Give this client's classes their own pools.
        contacts: dict = {}
        client.Contact._pool = contacts
        client.ContactSelf._pool = contacts
        client.Room._pool = {}
        client.Tag._pool = {}

    async def _await_login(self, link: _Link) -> None:
        login = asyncio.ensure_future(link.login.wait())
        try:
            await asyncio.wait({link.task, login}, timeout=self.login_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            login.cancel()
        if link.task.done():
            raise LinkEnded(self._why_ended(link.task, "before login"))
        if not link.login.is_set():
            waiting = " (waiting for a QR-code scan)" if link.scan_url else ""
            raise LinkEnded(f"no login within {self.login_timeout:g}s{waiting}")

    async def _watch(self, link: _Link) -> None:
        """Wait for the link to end; after `probe_seconds` without an event, a Ding RPC proves it is still alive."""
        stable_at = time.monotonic() + self.stable_seconds
        while True:
            now = time.monotonic()
            wake = link.last_event + self.probe_seconds
            if stable_at is not None:
                wake = min(wake, stable_at)
            logout = asyncio.ensure_future(link.logout.wait())
            try:
                await asyncio.wait({link.task, logout}, timeout=max(wake - now, 0.05),
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                logout.cancel()
            if link.task.done():
                raise LinkEnded(self._why_ended(link.task))
            if link.logout.is_set():
                raise LinkEnded("the WeChat account logged out")
            if stable_at is not None and time.monotonic() >= stable_at:
                stable_at = None
                self._stable()
            if time.monotonic() - link.last_event >= self.probe_seconds:
                try:
                    await asyncio.wait_for(link.puppet.ding("liveness"), self.rpc_timeout)
                except Exception as exc:
                    raise LinkEnded(f"liveness probe failed: {describe(exc)}") from None
                link.touch()

    @staticmethod
    def _why_ended(task: asyncio.Task, when: str = "") -> str:
        suffix = f" {when}" if when else ""
        if task.cancelled():
            return f"event stream cancelled{suffix}"
        if (exc := task.exception()) is not None:
            return f"event stream failed{suffix}: {describe(exc)}"
        return f"the gateway ended the event stream{suffix}"

    async def _teardown(self, link: _Link) -> None:
        if self._handlers:  # let messages already being read finish with this client
            await asyncio.wait(set(self._handlers), timeout=2)
        if link.task is not None and not link.task.done():
            link.task.cancel()
            # Bounded: a wechaty stream caught inside its own retry loop may not end on cancel, and must not hang us.
            done, _ = await asyncio.wait({link.task}, timeout=2)
            if not done:
                log.warning("WeChat event stream did not stop within 2 s of being cancelled; left behind")
        if link.puppet is not None:
            try:
                await asyncio.wait_for(link.puppet.stop(), min(self.rpc_timeout, 5))  # sends Stop, as wechaty's does
            except Exception as exc:
                log.info("WeChat puppet stop: %s", describe(exc))
            if link.puppet.channel is not None:  # stop() skips closing when its Stop RPC failed
                link.puppet.channel.close()
                link.puppet.channel = None
        if link.scheduler.running:  # started by wechaty at login
            link.scheduler.shutdown(wait=False)

    def _tell_admins_down(self) -> None:
        self._incident = int(time.time())
        scan = f"；需要用微信扫码登录：{self._scan_url}" if self._scan_url else ""
        self._notify(f"微信通道已断开：连续 {self._failures} 次重连失败，最近错误：{self._last_error}。"
                     f"请检查 puppet 网关 {self.endpoint}{scan}", f"wechat-down-{self._incident}")

    def _notify(self, text: str, key: str) -> None:
        if self.alert is None:
            log.warning("%s", text)
            return
        try:
            self.alert(text, key)
        except Exception:
            log.exception("could not alert the admins: %s", text)

    # -- events ------------------------------------------------------------------------------------
    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    def _on_login(self, link: _Link, contact: Any) -> None:
        self._self_id, self._self_name = contact.contact_id, contact.name
        link.touch()
        link.login.set()

    def _on_scan(self, link: _Link, qr_code: str, status: Any) -> None:
        link.touch()
        if qr_code:
            link.scan_url = self._scan_url = f"https://wechaty.js.org/qrcode/{quote(qr_code, safe='')}"
            log.warning("WeChat needs a QR-code scan to log in (%s): %s",
                        getattr(status, "name", status), self._scan_url)

    async def _on_message(self, link: _Link, msg: Any, on_message: OnMessage) -> None:
        link.touch()
        try:
            incoming = await asyncio.wait_for(self._incoming(msg), self.rpc_timeout)
        except Exception:
            log.exception("WeChat message %s could not be read; skipped", getattr(msg, "message_id", "?"))
            return
        if incoming is None:
            return
        try:
            await on_message(incoming)
        except Exception:
            log.exception("WeChat message %s could not be handled", incoming.message_id)

    async def _incoming(self, msg: Any) -> Incoming | None:
        from wechaty_puppet import MessageType

        # msg.type() is already remapped from the TypeScript enum (B.5): text is MESSAGE_TYPE_TEXT here.
        if msg.is_self() or msg.type() != MessageType.MESSAGE_TYPE_TEXT:
            return None
        text = msg.text()
        talker = msg.talker()
        if not text.strip() or not talker.contact_id:
            return None
        room = msg.room()
        if room is None:
            if talker.is_offical():  # official accounts' pushes arrive as private messages
                return None
            return Incoming("wechat", msg.message_id, None, talker.contact_id, text, talker.name, mentions_bot=True)
        name = await self._room_alias(room, talker) or talker.name
        # Some puppets leave mention ids empty; the "@name" WeChat puts in the text is the fallback.
        mentioned = await msg.mention_self() or bool(self._self_name and f"@{self._self_name}" in text)
        return Incoming("wechat", msg.message_id, room.room_id, talker.contact_id, text, name, mentioned)

    async def _room_alias(self, room: Any, talker: Any) -> str | None:
        try:
            return await asyncio.wait_for(room.alias(talker), self.rpc_timeout / 2) or None
        except Exception as exc:  # RoomMemberPayload is optional for puppets
            log.debug("no room alias for %s in %s: %s", talker.contact_id, room.room_id, describe(exc))
            return None

    # -- sending -----------------------------------------------------------------------------------
    async def send(self, item: Outgoing) -> None:
        link = self._link
        if link is None or self._state != "up":
            raise ChannelError(f"WeChat link is {self._state}: {self._last_error or 'not logged in yet'}")
        try:
            await asyncio.wait_for(self._send(link, item), self.rpc_timeout)
        except ChannelError:
            raise
        except Exception as exc:
            raise ChannelError(f"WeChat send to {item.target} failed: {describe(exc)}") from exc

    async def _send(self, link: _Link, item: Outgoing) -> None:
        if item.kind not in ("group", "private"):
            raise ChannelError(f"WeChat cannot send a {item.kind!r} item")
        text, mention_ids = item.text, []
        if item.kind == "group" and item.mention_user_id:
            mention_ids = [item.mention_user_id]
            name = item.mention_name or await self._contact_name(link, item.mention_user_id)
            text = f"@{name} {text}"  # as room.say() would write it
        # Not room.say()/contact.say(): after sending they fetch the new message's payload and raise if that fails,
        # and an error raised after the text went out would make the outbox send it again (B.7.5).
        await link.puppet.message_send_text(conversation_id=item.target, message=text, mention_ids=mention_ids)

    async def _contact_name(self, link: _Link, contact_id: str) -> str:
        contact = link.client.Contact.load(contact_id)
        await contact.ready()
        return contact.name or contact_id
