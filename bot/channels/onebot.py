"""The QQ channel: OneBot v11 implementations (NapCat, Lagrange.OneBot, go-cqhttp) connect to our reverse WebSocket.

Events may also arrive by HTTP POST, and replies may go out through an HTTP API (`onebot_api_url`). See docs/onebot.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import itertools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bot.channels.base import ChannelError, OnMessage
from bot.channels.onebot_copies import Copies
from bot.channels.onebot_message import BadEvent, our_message_id, reply_segments, text_segment, to_incoming
from bot.config import Settings
from bot.messages import Incoming, Outgoing
from bot.numbers import whole_number

log = logging.getLogger(__name__)

WS_PATH = "/onebot/v11/ws"
SENT_IDS_KEPT = 5000
HTTP_PATH = "/onebot/v11/http"
MAX_FRAME = 1024 * 1024  # characters; events are small, so a bigger frame is logged and skipped
MAX_WS_MESSAGE = 8 * MAX_FRAME  # bytes; aiohttp closes the socket beyond this, so it sits well above MAX_FRAME
STALE_AFTER = 3  # heartbeat intervals without a heartbeat before an account is reported stale
QUEUE_LIMIT = 10_000  # messages received but not yet handed to the bot


@dataclass(eq=False)
class Account:
    """One QQ account as this process sees it: its socket (None when it posts events over HTTP) and its liveness."""

    self_id: str
    ws: web.WebSocketResponse | None = None
    pending: dict[str, asyncio.Future] = field(default_factory=dict)  # echo → the API call waiting for it
    last_event_at: float | None = None  # time.time(), shown to people
    last_heartbeat: float | None = None  # time.monotonic()
    heartbeat_interval: float | None = None  # seconds, as the implementation announces it
    online: bool | None = None  # from the heartbeat's status

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def state(self, now: float) -> str:
        if self.ws is not None and self.ws.closed:
            return "down"
        if (self.heartbeat_interval and self.last_heartbeat is not None
                and now - self.last_heartbeat > STALE_AFTER * self.heartbeat_interval):
            return "stale"
        return "up"

    def fail_pending(self, reason: str) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ChannelError(reason))
        self.pending.clear()


class OneBotChannel:
    names = ("qq",)

    def __init__(self, settings: Settings):
        self.settings = settings
        self._accounts: dict[str, Account] = {}
        self._group_account: dict[str, str] = {}  # group id → the account that last saw it; replies go through it
        self._user_account: dict[str, str] = {}  # the same for private chats
        self._incoming: asyncio.Queue[Incoming] = asyncio.Queue(QUEUE_LIMIT)
        self._echoes = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._session: aiohttp.ClientSession | None = None
        self._warned: set[str] = set()
        self._tz = ZoneInfo(settings.timezone)
        self._sent_ids: OrderedDict[str, None] = OrderedDict()
        self._copies = Copies()  # a group message seen by several of our accounts is handled once
        # Set by the bot: called when an account (re)connects, so messages waiting out a retry delay go now.
        self.on_link_up: Callable[[tuple[str, ...]], None] | None = None

    # -- wiring ---------------------------------------------------------------------------------------------------
    def mount(self, app: web.Application) -> None:
        app.router.add_get(WS_PATH, self._websocket)
        app.router.add_post(HTTP_PATH, self._http_post)
        app.on_shutdown.append(self._close_links)

    async def run(self, on_message: OnMessage) -> None:
        """Hand received messages to the bot, in order, until cancelled; one bad message never stops the others."""
        try:
            while True:
                msg = await self._incoming.get()
                try:
                    await on_message(msg)
                except Exception:
                    log.exception("QQ message %s could not be handled", msg.message_id)
        finally:
            await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def health(self) -> dict[str, Any]:
        now = time.monotonic()
        accounts = {
            sid: {"state": self._account_state(a, now), "transport": "ws" if a.ws is not None else "http",
                  "can_send": a.connected or bool(self.settings.onebot_api_url),
                  "last_event_at": self._iso(a.last_event_at), "online": a.online}
            for sid, a in self._accounts.items()
        }
        states = {a["state"] for a in accounts.values()}
        state = "up" if "up" in states else "degraded" if "degraded" in states else "waiting"
        return {"state": state, "accounts": accounts, "http_api": bool(self.settings.onebot_api_url)}

    def _account_state(self, account: Account, now: float) -> str:
        state = account.state(now)
        # Events POSTed over HTTP prove the account receives; with no socket and no HTTP API it cannot reply.
        if state == "up" and not account.connected and not self.settings.onebot_api_url:
            return "degraded"
        return state

    # -- who may connect -----------------------------------------------------------------------------------------
    def _authorize(self, request: web.Request) -> web.Response | None:
        """None if the peer may connect; otherwise the refusal, sent before any upgrade."""
        expected = self.settings.onebot_access_token
        if not expected:
            return self._local_only(request, "onebot_access_token")
        given = _token(request)
        if not given:
            return _refuse(request, 401, "missing access token")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return _refuse(request, 403, "wrong access token")
        return None

    def _check_signature(self, request: web.Request, body: bytes) -> web.Response | None:
        secret = self.settings.onebot_secret
        if not secret:
            return self._local_only(request, "onebot_secret")
        given = request.headers.get("X-Signature", "").strip()
        if not given:
            return _refuse(request, 401, "missing X-Signature")
        expected = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if not hmac.compare_digest(given.lower().encode(), expected.encode()):
            return _refuse(request, 403, "wrong X-Signature")
        return None

    def _local_only(self, request: web.Request, setting: str) -> web.Response | None:
        # Without a shared secret anyone who can reach the port could pose as QQ, so only this machine may.
        if setting not in self._warned:
            self._warned.add(setting)
            log.warning("BOT_%s is not set: %s accepts connections from this machine only", setting.upper(), request.path)
        if _is_loopback(request.remote):
            return None
        return _refuse(request, 403, f"{setting} is not configured, so only local connections are accepted")

    # -- receiving ------------------------------------------------------------------------------------------------
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._authorize(request)) is not None:
            return refused
        self_id = request.headers.get("X-Self-ID", "").strip()
        if whole_number(self_id) is None:
            return _refuse(request, 400, "missing or invalid X-Self-ID header")
        role = request.headers.get("X-Client-Role", "Universal").strip()
        if role.lower() != "universal":
            return _refuse(request, 400, f"X-Client-Role {role} is not supported; use a Universal reverse WebSocket")
        ws = web.WebSocketResponse(max_msg_size=MAX_WS_MESSAGE, heartbeat=30.0)
        await ws.prepare(request)
        account = Account(self_id, ws)
        self._replace(account)
        log.info("QQ %s connected from %s", self_id, request.remote)
        if self.on_link_up is not None:
            self.on_link_up(self.names)
        try:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._on_frame(account, frame.data)
                elif frame.type == aiohttp.WSMsgType.BINARY:
                    self._on_frame(account, frame.data.decode("utf-8", "replace"))
                elif frame.type == aiohttp.WSMsgType.ERROR:
                    log.warning("QQ %s: socket error: %s", self_id, ws.exception())
        finally:
            account.fail_pending(f"QQ {self_id}: link closed")
            log.info("QQ %s disconnected (close code %s)", self_id, ws.close_code)
        return ws

    def _replace(self, account: Account) -> None:
        """A second connection for an account wins; the older one is closed (an implementation that reconnected)."""
        old = self._accounts.get(account.self_id)
        self._accounts[account.self_id] = account
        if old is not None and old.connected:
            log.warning("QQ %s connected again; closing its older link", account.self_id)
            old.fail_pending(f"QQ {account.self_id}: link replaced")
            self._spawn(old.ws.close(code=4000, message=b"replaced by a newer connection"))

    async def _http_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        if (refused := self._check_signature(request, body)) is not None:
            return refused
        self_id = request.headers.get("X-Self-ID", "").strip()
        if whole_number(self_id) is None:
            return _refuse(request, 400, "missing or invalid X-Self-ID header")
        try:
            event = json.loads(body)
        except (ValueError, RecursionError):
            return _refuse(request, 400, "the body is not JSON")
        if not isinstance(event, dict):
            return _refuse(request, 400, "the body is not a JSON object")
        account = self._accounts.get(self_id)
        if account is None or (account.ws is not None and not account.connected):
            account = self._accounts[self_id] = Account(self_id)
        self._on_event(account, event)  # quick: it only queues the message for run()
        return web.Response(status=204)

    def _on_frame(self, account: Account, raw: str) -> None:
        """One WebSocket frame: an event or an API response. Anything malformed is logged and skipped."""
        if len(raw) > MAX_FRAME:
            log.warning("QQ %s: skipped a frame of %d characters (limit %d)", account.self_id, len(raw), MAX_FRAME)
            return
        try:
            frame = json.loads(raw)
        except (ValueError, RecursionError):
            log.warning("QQ %s: skipped a frame that is not JSON: %.80r", account.self_id, raw)
            return
        if not isinstance(frame, dict):
            log.warning("QQ %s: skipped a frame that is not a JSON object: %.80r", account.self_id, raw)
        elif "post_type" in frame:
            try:
                self._on_event(account, frame)
            except Exception:  # a bug in reading one event must not drop the link
                log.exception("QQ %s: skipped an event that could not be read: %.200r", account.self_id, raw)
        elif "echo" in frame or "retcode" in frame:
            self._on_response(account, frame)
        else:
            log.warning("QQ %s: skipped a frame that is neither event nor response: %.80r", account.self_id, raw)

    def _on_event(self, account: Account, event: dict) -> None:
        account.last_event_at = time.time()
        post_type = event.get("post_type")
        if post_type == "message":
            self._on_message(account, event)
        elif post_type == "meta_event":
            self._on_meta(account, event)
        else:  # notice, request, message_sent, extensions: nothing the bot acts on
            detail = event.get("notice_type") or event.get("request_type") or ""
            log.debug("QQ %s: %s %s ignored", account.self_id, post_type, detail)

    def _on_message(self, account: Account, event: dict) -> None:
        try:
            msg = to_incoming(event, account.self_id, self._sent_ids, self._accounts.keys())
        except BadEvent as exc:
            log.warning("QQ %s: skipped a malformed message event: %s", account.self_id, exc)
            return
        if msg is None:
            return
        if self._copies.is_copy(account.self_id, msg):
            log.info("QQ %s: message %s already came in through another account; skipped", account.self_id,
                     msg.message_id)
            return
        if msg.group_id:
            self._group_account[msg.group_id] = account.self_id
        else:
            self._user_account[msg.user_id] = account.self_id
        try:
            self._incoming.put_nowait(msg)
        except asyncio.QueueFull:
            log.error("QQ %s: %d messages are waiting; dropped %s", account.self_id, QUEUE_LIMIT, msg.message_id)

    def _on_meta(self, account: Account, event: dict) -> None:
        kind = event.get("meta_event_type")
        if kind == "heartbeat":
            interval = event.get("interval")
            if isinstance(interval, int | float) and not isinstance(interval, bool) and interval > 0:
                account.heartbeat_interval = interval / 1000
            account.last_heartbeat = time.monotonic()
            status = event.get("status")
            if isinstance(status, dict) and isinstance(status.get("online"), bool):
                if account.online is not False and status["online"] is False:
                    log.warning("QQ %s says it is offline", account.self_id)
                account.online = status["online"]
        elif kind == "lifecycle":
            log.info("QQ %s: lifecycle %s", account.self_id, event.get("sub_type"))

    def _on_response(self, account: Account, frame: dict) -> None:
        echo = frame.get("echo")
        future = account.pending.get(echo) if isinstance(echo, str) else None
        if future is None or future.done():
            log.debug("QQ %s: dropped an API response with an unknown or late echo %.40r", account.self_id, echo)
            return
        future.set_result(frame)

    # -- sending --------------------------------------------------------------------------------------------------
    async def send(self, item: Outgoing) -> None:
        target, number = item.target.strip(), whole_number(item.target)
        if number is None:
            raise ChannelError(f"QQ {item.kind} target must be a number, got {item.target!r}")
        if item.kind == "group":
            ours = our_message_id(item.reply_to)
            account, speaker = self._route(self._preferred(item))
            reply_id = ours[1] if ours and ours[0] == speaker else None  # a message id is only valid for its account
            message = reply_segments(item.text, reply_id=reply_id, mention=item.mention_user_id)
            action, params = "send_group_msg", {"group_id": number, "message": message}
        elif item.kind == "private":
            account, speaker = self._route(self._preferred(item))
            action, params = "send_private_msg", {"user_id": number, "message": [text_segment(item.text)]}
        else:
            raise ChannelError(f"the QQ channel cannot send {item.kind!r} messages")
        data = await (self._call_ws(account, action, params) if account else self._call_http(action, params))
        if item.kind == "group" and isinstance(data, dict) and data.get("message_id") is not None:
            self._remember_sent(str(data["message_id"]))
        log.info("QQ %s: outbox %s sent to %s %s (message %s)", speaker or "api", item.id, item.kind, target,
                 data.get("message_id") if isinstance(data, dict) else None)

    def _preferred(self, item: Outgoing) -> str | None:
        """The account that last saw this group or person (or received the message being answered)."""
        target = item.target.strip()
        if item.kind == "private":
            return self._user_account.get(target)
        ours = our_message_id(item.reply_to)
        return self._group_account.get(target) or (ours[0] if ours else None)

    def sender_of(self, item: Outgoing) -> str | None:
        """The account `send` would speak as now: the outbox paces each account on its own."""
        try:
            return self._route(self._preferred(item))[1]
        except ChannelError:
            return None

    def _remember_sent(self, message_id: str) -> None:
        """The bot's recent group messages: a resident quoting one of them is talking to the bot."""
        self._sent_ids[message_id] = None
        if len(self._sent_ids) > SENT_IDS_KEPT:
            self._sent_ids.popitem(last=False)

    async def call(self, action: str, params: dict[str, Any], self_id: str | None = None) -> Any:
        """Call a OneBot API as `self_id` (else any connected account); returns its `data`, raises ChannelError."""
        account, _ = self._route(self_id)
        return await (self._call_ws(account, action, params) if account else self._call_http(action, params))

    def _route(self, preferred: str | None) -> tuple[Account | None, str | None]:
        """The socket to speak through (None: the HTTP API) and the account it speaks as."""
        links = [a for a in self._accounts.values() if a.connected]
        for account in links:
            if account.self_id == preferred:
                return account, preferred
        if self.settings.onebot_api_url:
            return None, preferred
        if links:
            now = time.monotonic()
            account = next((a for a in links if a.state(now) == "up"), links[0])
            return account, account.self_id
        raise ChannelError(f"no QQ account is connected (waiting for NapCat/Lagrange to connect to {WS_PATH})")

    async def _call_ws(self, account: Account, action: str, params: dict[str, Any]) -> Any:
        echo = f"{account.self_id}:{next(self._echoes)}"
        future = asyncio.get_running_loop().create_future()
        account.pending[echo] = future
        timeout = self.settings.onebot_api_timeout
        try:
            await account.ws.send_json({"action": action, "params": params, "echo": echo}, dumps=_dumps)
            frame = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ChannelError(f"QQ {account.self_id}: no answer to {action} within {timeout:g}s") from None
        except (ConnectionError, RuntimeError) as exc:
            raise ChannelError(f"QQ {account.self_id}: {action} could not be sent: {exc}") from exc
        finally:
            account.pending.pop(echo, None)
        return _result(action, frame)

    async def _call_http(self, action: str, params: dict[str, Any]) -> Any:
        base = self.settings.onebot_api_url.rstrip("/")
        token = self.settings.onebot_access_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.onebot_api_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout, json_serialize=_dumps)
        try:
            async with self._session.post(f"{base}/{action}", json=params, headers=headers) as resp:
                if resp.status != 200:
                    raise ChannelError(f"{action} via {base}: HTTP {resp.status}")
                frame = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ChannelError(f"{action} via {base}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(frame, dict):
            raise ChannelError(f"{action} via {base}: the answer is not a JSON object")
        return _result(action, frame)

    # -- housekeeping ---------------------------------------------------------------------------------------------
    async def _close_links(self, app: web.Application) -> None:
        links = [a for a in self._accounts.values() if a.connected]
        await asyncio.gather(*(a.ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server shutdown")
                               for a in links), return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # a reference, so the task is not garbage-collected before it finishes
        task.add_done_callback(self._tasks.discard)

    def _iso(self, when: float | None) -> str | None:
        return datetime.fromtimestamp(when, self._tz).isoformat(timespec="seconds") if when else None


def _result(action: str, frame: dict) -> Any:
    """An API response's `data`; a failed status or a retcode other than 0 (ok) and 1 (async) is an error."""
    status, retcode = frame.get("status"), frame.get("retcode")
    if status == "failed" or (retcode is not None and retcode not in (0, 1)):
        detail = frame.get("wording") or frame.get("message") or frame.get("msg") or ""
        raise ChannelError(f"{action} failed: retcode {retcode} {detail}".strip())
    return frame.get("data")


def _token(request: web.Request) -> str:
    """`Authorization: Bearer …` (spec, NapCat, Lagrange), `Token …` (go-cqhttp), or `?access_token=`."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return request.query.get("access_token", "").strip()


def _is_loopback(remote: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def _refuse(request: web.Request, status: int, reason: str) -> web.Response:
    log.warning("OneBot %s from %s refused with %s: %s", request.path, request.remote, status, reason)
    return web.Response(status=status, text=reason)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
