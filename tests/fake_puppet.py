"""A fake wechaty puppet service (gRPC over grpclib, wechaty_grpc's classes) that the real wechaty client talks to.

Tests add contacts and rooms, push messages as the gateway would (`push_text`), read what the bot sent (`sent`),
and break the link in the ways a real gateway does (`end_stream`, `fail_stream`, `stop`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import Callable

import grpclib.server
from grpclib.const import Cardinality, Handler
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from wechaty_grpc.wechaty import puppet as pb

TEXT = 7  # the gateway sends the TypeScript wechaty-puppet enum: Text = 7 (the proto's TEXT is 6), PROTOCOLS B.5
IMAGE = 6
PERSONAL, OFFICIAL = 1, 2
SCAN_WAITING = 2
E = pb.EventType


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition",
                     state: Callable[[], object] | None = None) -> None:
    """Poll until predicate() is true; on timeout, say what was awaited and show state() (e.g. channel.health)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            shown = f"; state: {state()}" if state else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{shown}")
        await asyncio.sleep(0.02)


# grpclib's server does not show handlers the `:authority` header, which is where the python client puts its
# token (PROTOCOLS B.3). Wrap the module's request_handler once, and look up which fake a request is for by the
# identity of its method mapping.
_FAKES: dict[int, FakePuppetService] = {}


def _install_authority_hook() -> None:
    original = grpclib.server.request_handler
    if getattr(original, "fake_puppet_hook", False):
        return

    async def request_handler(mapping, stream, headers, *args):
        fake = _FAKES.get(id(mapping))
        if fake is not None:
            authority = dict(headers).get(":authority")
            fake.authorities.append(authority)
            if fake.token is not None and authority != fake.token:
                mapping = fake.denying(authority)
        return await original(mapping, stream, headers, *args)

    request_handler.fake_puppet_hook = True
    grpclib.server.request_handler = request_handler


class FakePuppetService:
    def __init__(self, token: str | None = "test-token", self_id: str = "wxid_bot", self_name: str = "网格小助手"):
        self.token = token
        self.self_id, self.self_name = self_id, self_name
        self.login_on_connect = True  # send EVENT_TYPE_LOGIN as soon as a client opens the Event stream
        self.hang_ding = False  # Ding never answers, as over a half-open connection
        self.scan_qrcode: str | None = None  # with login_on_connect off: ask for a QR-code scan instead
        self.contacts: dict[str, pb.ContactPayloadResponse] = {}
        self.rooms: dict[str, pb.RoomPayloadResponse] = {}
        self.aliases: dict[tuple[str, str], str] = {}
        self.messages: dict[str, pb.MessagePayloadResponse] = {}
        self.sent: list[pb.MessageSendTextRequest] = []
        self.calls: list[str] = []
        self.authorities: list[str | None] = []
        self.streams = 0  # Event streams opened so far
        self.port: int | None = None
        self._queue: asyncio.Queue | None = None
        self._server: grpclib.server.Server | None = None
        self._mapping: dict[str, Handler] = {}
        self._connections: list = []
        self._ids = itertools.count(1)
        self.add_contact(self_id, self_name)

    # -- test API ----------------------------------------------------------------------------------
    def add_contact(self, contact_id: str, name: str, kind: int = PERSONAL) -> None:
        self.contacts[contact_id] = pb.ContactPayloadResponse(id=contact_id, name=name, type=kind, friend=True)

    def add_room(self, room_id: str, topic: str, members: dict[str, str]) -> None:
        """members: contact id → room alias ("" for none)."""
        for member_id, alias in members.items():
            self.contacts.setdefault(member_id, pb.ContactPayloadResponse(id=member_id, name=member_id, type=PERSONAL))
            if alias:
                self.aliases[(room_id, member_id)] = alias
        self.rooms[room_id] = pb.RoomPayloadResponse(id=room_id, topic=topic, owner_id="",
                                                     member_ids=[self.self_id, *members])

    def push_text(self, text: str, *, talker: str, room: str = "", mention_ids: tuple[str, ...] = (),
                  kind: int = TEXT, message_id: str | None = None) -> str:
        """A message arrives at the gateway: store its payload and announce it on the Event stream."""
        # wechaty drops a repeated message id for the whole process (SingleIdContainer): make ids unique.
        message_id = message_id or f"msg-{time.monotonic_ns()}-{next(self._ids)}"
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id, text=text, timestamp=int(time.time()), type=kind, from_id=talker, room_id=room,
            to_id="" if room else self.self_id, mention_ids=list(mention_ids),
        )
        self.emit(E.EVENT_TYPE_MESSAGE, {"messageId": message_id})
        return message_id

    def emit(self, event: E, payload: dict) -> None:
        if self._queue is None:
            raise AssertionError("no client is listening on the Event stream")
        self._queue.put_nowait(pb.EventResponse(type=event, payload=json.dumps(payload)))

    def end_stream(self) -> None:
        """Finish the Event stream cleanly, as a gateway restarting its puppet does."""
        if self._queue is not None:
            self._queue.put_nowait(None)

    def fail_stream(self, status: Status = Status.UNAVAILABLE) -> None:
        if self._queue is not None:
            self._queue.put_nowait(GRPCError(status, "fake gateway failure"))

    async def start(self, port: int | None = None) -> int:
        _install_authority_hook()
        self._server = server = grpclib.server.Server([self])
        # Remember each client connection, so that stop() can drop them as a crashed gateway would; Server.close()
        # alone keeps established HTTP/2 connections open.
        make_protocol = server._protocol_factory

        def tracked():
            protocol = make_protocol()
            self._connections.append(protocol)
            return protocol

        server._protocol_factory = tracked
        self.port = port or self.port or free_port()
        await self._server.start("127.0.0.1", self.port)
        _FAKES[id(self._server._mapping)] = self
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop every connection (a crashed or restarted gateway)."""
        if self._server is None:
            return
        _FAKES.pop(id(self._server._mapping), None)
        self._server.close()
        for protocol in self._connections:
            if getattr(protocol, "connection", None) is not None:
                protocol.connection.close()
        self._connections.clear()
        await asyncio.wait_for(self._server.wait_closed(), 5)
        self._server, self._queue = None, None

    # -- the gRPC service ------------------------------------------------------------------------
    def __mapping__(self) -> dict[str, Handler]:
        unary = Cardinality.UNARY_UNARY
        methods = {
            "Start": (self._start, unary, pb.StartRequest, pb.StartResponse),
            "Stop": (self._stop, unary, pb.StopRequest, pb.StopResponse),
            "Ding": (self._ding, unary, pb.DingRequest, pb.DingResponse),
            "Event": (self._event, Cardinality.UNARY_STREAM, pb.EventRequest, pb.EventResponse),
            "ContactPayload": (self._contact, unary, pb.ContactPayloadRequest, pb.ContactPayloadResponse),
            "RoomPayload": (self._room, unary, pb.RoomPayloadRequest, pb.RoomPayloadResponse),
            "RoomMemberList": (self._members, unary, pb.RoomMemberListRequest, pb.RoomMemberListResponse),
            "RoomMemberPayload": (self._member, unary, pb.RoomMemberPayloadRequest, pb.RoomMemberPayloadResponse),
            "MessagePayload": (self._message, unary, pb.MessagePayloadRequest, pb.MessagePayloadResponse),
            "MessageSendText": (self._send_text, unary, pb.MessageSendTextRequest, pb.MessageSendTextResponse),
        }
        self._mapping = {f"/wechaty.Puppet/{name}": Handler(*spec) for name, spec in methods.items()}
        return self._mapping

    def denying(self, authority: str | None) -> dict[str, Handler]:
        """The same methods, each answering UNAUTHENTICATED as the TypeScript gateway does for a wrong token."""
        async def deny(stream) -> None:
            raise GRPCError(Status.UNAUTHENTICATED, f'Invalid Wechaty TOKEN "{authority}"')

        return {path: Handler(deny, h.cardinality, h.request_type, h.reply_type) for path, h in self._mapping.items()}

    async def _start(self, stream) -> None:
        await stream.recv_message()
        self.calls.append("Start")
        await stream.send_message(pb.StartResponse())

    async def _stop(self, stream) -> None:
        await stream.recv_message()
        self.calls.append("Stop")
        await stream.send_message(pb.StopResponse())

    async def _ding(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("Ding")
        if self.hang_ding:
            await asyncio.Event().wait()
        await stream.send_message(pb.DingResponse())
        if self._queue is not None:
            self.emit(E.EVENT_TYPE_DONG, {"data": request.data})

    async def _event(self, stream) -> None:
        await stream.recv_message()
        self.calls.append("Event")
        self.streams += 1
        queue = self._queue = asyncio.Queue()
        if self.login_on_connect:
            await stream.send_message(pb.EventResponse(type=E.EVENT_TYPE_LOGIN,
                                                       payload=json.dumps({"contactId": self.self_id})))
        elif self.scan_qrcode:
            await stream.send_message(pb.EventResponse(type=E.EVENT_TYPE_SCAN, payload=json.dumps(
                {"status": SCAN_WAITING, "qrcode": self.scan_qrcode, "data": ""})))
        while (item := await queue.get()) is not None:
            if isinstance(item, GRPCError):
                raise item
            await stream.send_message(item)
        if self._queue is queue:
            self._queue = None

    async def _contact(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("ContactPayload")
        payload = self.contacts.get(request.id) or pb.ContactPayloadResponse(id=request.id, name=request.id)
        await stream.send_message(payload)

    async def _room(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("RoomPayload")
        await stream.send_message(self.rooms.get(request.id) or pb.RoomPayloadResponse(id=request.id))

    async def _members(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("RoomMemberList")
        room = self.rooms.get(request.id)
        await stream.send_message(pb.RoomMemberListResponse(member_ids=list(room.member_ids) if room else []))

    async def _member(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("RoomMemberPayload")
        contact = self.contacts.get(request.member_id)
        await stream.send_message(pb.RoomMemberPayloadResponse(
            id=request.member_id, room_alias=self.aliases.get((request.id, request.member_id), ""),
            name=contact.name if contact else "",
        ))

    async def _message(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("MessagePayload")
        payload = self.messages.get(request.id)
        if payload is None:
            raise GRPCError(Status.NOT_FOUND, f"no message {request.id}")
        await stream.send_message(payload)

    async def _send_text(self, stream) -> None:
        request = await stream.recv_message()
        self.calls.append("MessageSendText")
        self.sent.append(request)
        message_id = f"sent-{next(self._ids)}"
        # A real gateway can load what it just sent: answer MessagePayload for it too.
        self.messages[message_id] = pb.MessagePayloadResponse(
            id=message_id, text=request.text, type=TEXT, from_id=self.self_id,
            room_id=request.conversation_id if request.conversation_id.endswith("@chatroom") else "",
            to_id="" if request.conversation_id.endswith("@chatroom") else request.conversation_id,
            mention_ids=list(request.mentonal_ids),
        )
        await stream.send_message(pb.MessageSendTextResponse(id=message_id))
