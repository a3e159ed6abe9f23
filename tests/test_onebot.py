"""The QQ channel at the protocol level: the test plays NapCat/Lagrange through a real aiohttp client and server."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.app import Bot
from bot.channels.base import ChannelError
from bot.channels.onebot import HTTP_PATH, WS_PATH, OneBotChannel
from bot.channels.onebot_message import escape, parse_cq, unescape
from bot.messages import Incoming, Outgoing
from bot.service import Service

TOKEN = "s3cret-token"
SELF = "10001000"
RESIDENT = 30003000


class FakeOneBot:
    """The implementation's end of one reverse WebSocket: it sends events and answers the bot's API calls."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, self_id: str):
        self.ws = ws
        self.self_id = self_id
        self._ids = 0

    async def event(self, **fields) -> None:
        await self.ws.send_json({"time": 1764120600, "self_id": int(self.self_id), **fields})

    async def group_message(self, message, *, group_id, message_id: int | str | None = None,
                            user_id=RESIDENT, card: str = "张阿姨", nickname: str = "小张") -> int | str:
        self._ids += 1
        message_id = message_id or 1000 + self._ids
        await self.event(post_type="message", message_type="group", sub_type="normal", message_id=message_id,
                         group_id=group_id, user_id=user_id, message=message, raw_message="", font=0,
                         sender={"user_id": user_id, "nickname": nickname, "card": card, "role": "member"})
        return message_id

    async def next_call(self, timeout: float = 3.0) -> dict:
        while True:
            frame = await self.ws.receive(timeout=timeout)
            assert frame.type == aiohttp.WSMsgType.TEXT, f"link closed while waiting for an API call: {frame}"
            data = json.loads(frame.data)
            if "action" in data:
                return data

    async def answer(self, call: dict, **frame) -> None:
        await self.ws.send_json({"status": "ok", "retcode": 0, "data": {"message_id": 9001},
                                 "echo": call["echo"], **frame})


@dataclass
class Rig:
    channel: OneBotChannel
    base: str
    http: aiohttp.ClientSession
    received: list[Incoming] = field(default_factory=list)
    links: list[FakeOneBot] = field(default_factory=list)

    async def connect(self, self_id: str = SELF, headers: dict | None = None, **kw) -> FakeOneBot:
        headers = {"X-Self-ID": self_id, "X-Client-Role": "Universal", "Authorization": f"Bearer {TOKEN}"} \
            if headers is None else headers
        ws = await self.http.ws_connect(self.base + WS_PATH, headers=headers, **kw)
        onebot = FakeOneBot(ws, self_id)
        self.links.append(onebot)
        await onebot.event(post_type="meta_event", meta_event_type="lifecycle", sub_type="connect")
        return onebot

    async def healthz(self) -> dict:
        async with self.http.get(self.base + "/healthz") as resp:
            return (await resp.json())["channels"]["qq"]


@pytest.fixture
async def make_rig(settings):
    """A OneBot channel on a real HTTP server on 127.0.0.1: alone (messages collected), or inside the whole bot."""
    made = []

    async def make(bot: Bot | None = None, **overrides) -> Rig:
        values = {"onebot_access_token": TOKEN, "onebot_api_timeout": 0.5, **overrides}
        channel = OneBotChannel(dataclasses.replace(settings, **values))
        if bot is not None:
            service = Service(bot, [channel])
            await service.start("127.0.0.1", 0)
            runner = service.runner
        else:
            app = web.Application()
            channel.mount(app)
            runner = web.AppRunner(app, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        rig = Rig(channel, f"http://127.0.0.1:{port}", aiohttp.ClientSession())

        async def collect(msg: Incoming) -> None:
            rig.received.append(msg)

        task = asyncio.create_task(channel.run(bot.on_message if bot else collect))
        made.append((rig, task, runner))
        return rig

    yield make
    for rig, task, runner in made:
        for link in rig.links:
            await link.ws.close()
        await rig.http.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runner.cleanup()


async def until(check, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def qq_group_with_worker(bot: Bot) -> tuple[str, str]:
    row = bot.db.execute(
        "SELECT g.group_id, p.user_id FROM groups g JOIN people p ON p.grid = g.grid "
        "AND p.kind = 'worker' AND p.channel = 'qq' WHERE g.channel = 'qq' ORDER BY g.group_id LIMIT 1").fetchone()
    return row[0], row[1]


def handled(bot: Bot, n: int = 1):
    return lambda: bot.db.execute("SELECT count(*) FROM inbox WHERE state = 'handled'").fetchone()[0] >= n


def outbox(bot: Bot, kind: str = "group") -> dict:
    return next(iter(bot.db.query("SELECT state, attempts, last_error FROM outbox WHERE kind = ? ORDER BY id", [kind])))


# -- handshake --------------------------------------------------------------------------------------------------------
async def test_handshake_refusals(make_rig):
    rig = await make_rig()
    cases = [
        ({"X-Client-Role": "Universal", "Authorization": f"Bearer {TOKEN}"}, 400),  # no X-Self-ID
        ({"X-Self-ID": SELF}, 401),  # no token
        ({"X-Self-ID": SELF, "Authorization": "Bearer "}, 401),  # NapCat sends an empty Bearer when it has none
        ({"X-Self-ID": SELF, "Authorization": "Bearer wrong"}, 403),
        ({"X-Self-ID": SELF, "Authorization": "Token wrong"}, 403),
        ({"X-Self-ID": SELF, "Authorization": f"Bearer {TOKEN}", "X-Client-Role": "Event"}, 400),
    ]
    for headers, status in cases:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await rig.connect(headers=headers)
        assert refused.value.status == status, headers
    assert rig.channel.health()["accounts"] == {}


async def test_token_accepted_as_bearer_token_or_query_in_any_header_case(make_rig):
    rig = await make_rig()
    ways = [
        ({"X-Self-ID": "1001", "X-Client-Role": "Universal", "Authorization": f"Bearer {TOKEN}"}, {}),  # NapCat
        ({"x-self-id": "1002", "x-client-role": "Universal", "authorization": f"Token {TOKEN}"}, {}),  # go-cqhttp
        ({"X-SELF-ID": "1003", "AUTHORIZATION": f"bearer {TOKEN}"}, {}),
        ({"X-Self-ID": "1004"}, {"params": {"access_token": TOKEN}}),
    ]
    links = [await rig.connect(next(v for k, v in h.items() if k.lower() == "x-self-id"), headers=h, **kw)
             for h, kw in ways]
    await until(lambda: len(rig.channel.health()["accounts"]) == 4)
    health = rig.channel.health()
    assert health["state"] == "up"
    assert {a["state"] for a in health["accounts"].values()} == {"up"}
    assert not any(link.ws.closed for link in links)


async def test_without_a_token_only_this_machine_may_connect(make_rig, settings, caplog):
    caplog.set_level(logging.WARNING, logger="bot.channels.onebot")
    rig = await make_rig(onebot_access_token="")
    links = [await rig.connect(headers={"X-Self-ID": SELF}),  # from 127.0.0.1
             await rig.connect("1002", headers={"X-Self-ID": "1002", "Authorization": "Bearer "})]
    await until(lambda: len(rig.channel.health()["accounts"]) == 2)
    assert not any(link.ws.closed for link in links)
    warnings = [r for r in caplog.records if "from this machine only" in r.getMessage()]
    assert len(warnings) == 1

    channel = OneBotChannel(dataclasses.replace(settings, onebot_access_token=""))
    app = web.Application()
    channel.mount(app)
    for remote, status in (("192.0.2.7", 403), ("::ffff:10.1.2.3", 403)):
        transport = mock.Mock()
        transport.get_extra_info.side_effect = lambda key, default=None, r=remote: (r, 4321) if key == "peername" else default
        request = make_mocked_request("GET", WS_PATH, headers={"X-Self-ID": SELF, "Upgrade": "websocket"},
                                      app=app, transport=transport)
        match = await app.router.resolve(request)
        assert (await match.handler(request)).status == status


# -- events -----------------------------------------------------------------------------------------------------------
async def test_group_and_private_messages_in_array_and_string_form(make_rig):
    rig = await make_rig()
    onebot = await rig.connect()
    await onebot.group_message([
        {"type": "reply", "data": {"id": "123450"}},
        {"type": "at", "data": {"qq": SELF, "name": "网格小助手"}},
        {"type": "text", "data": {"text": " 楼道灯坏了"}},
        {"type": "image", "data": {"file": "abc.jpg", "url": "https://multimedia.nt.qq.com.cn/abc.jpg", "sub_type": 0}},
        {"type": "face", "data": {"id": 14}},
        {"type": "mystery", "data": {}},
    ], group_id=20002000, message_id=123456)
    await onebot.group_message("[CQ:at,qq=all] 开会啦 [CQ:image,file=x.jpg]", group_id="20002000", message_id="-77",
                               user_id="30003001", card="", nickname="老李")
    await onebot.group_message([{"type": "at", "data": {"qq": 99999}}, {"type": "text", "data": {"text": "找你"}}],
                               group_id=20002000)
    await onebot.event(post_type="message", message_type="private", sub_type="friend", message_id=12,
                       user_id=12345678, message="你好～", sender={"user_id": 12345678, "nickname": "小不点"})
    await onebot.group_message("我自己发的", group_id=20002000, user_id=int(SELF))  # the bot's own message
    await until(lambda: len(rig.received) == 4)
    array, string, other_at, private = rig.received
    assert array == Incoming("qq", f"{SELF}:123456", "20002000", str(RESIDENT), "楼道灯坏了", "张阿姨", True,
                             ("https://multimedia.nt.qq.com.cn/abc.jpg",))
    assert string == Incoming("qq", f"{SELF}:-77", "20002000", "30003001", "开会啦", "老李", False, ("x.jpg",))
    assert other_at.mentions_bot is False and other_at.text == "找你"
    assert private == Incoming("qq", f"{SELF}:12", None, "12345678", "你好～", "小不点", False, ())


async def test_null_or_absent_segment_text_is_empty_not_none(make_rig):
    rig = await make_rig()
    onebot = await rig.connect()
    await onebot.group_message([{"type": "text", "data": {"text": None}}, {"type": "text", "data": {"text": "路灯坏了"}},
                                {"type": "text", "data": {}}, {"type": "at", "data": {"qq": None}}], group_id=20002000)
    await onebot.group_message([{"type": "text", "data": {"text": None}},
                                {"type": "image", "data": {"file": "a.jpg"}}], group_id=20002000)
    await until(lambda: len(rig.received) == 2)
    assert [m.text for m in rig.received] == ["路灯坏了", ""]
    assert rig.received[1].attachments == ("a.jpg",) and not rig.received[0].mentions_bot


def test_cq_string_text_is_unescaped_once():
    assert parse_cq("[CQ:at,qq=10001000] &#91;CQ:at,qq=all&#93; a&amp;b &amp;#91;") == [
        {"type": "at", "data": {"qq": "10001000"}},
        {"type": "text", "data": {"text": " [CQ:at,qq=all] a&b &#91;"}},
    ]
    assert parse_cq("[CQ:share,url=https://x.cn/?a=1&amp;b=2,title=标题=有&#44;逗号]") == [
        {"type": "share", "data": {"url": "https://x.cn/?a=1&b=2", "title": "标题=有,逗号"}}]
    for text in ("- [x] 使用 `&data` 获取地址", "&#91;", "a,b]"):
        assert unescape(escape(text, param=True)) == text
    assert escape("- [x] 使用 `&data` 获取地址") == "- &#91;x&#93; 使用 `&amp;data` 获取地址"


async def test_notices_requests_lifecycle_and_unknown_events_are_ignored(make_rig):
    rig = await make_rig()
    onebot = await rig.connect()
    for event in (
        {"post_type": "notice", "notice_type": "group_increase", "sub_type": "approve", "group_id": 1, "user_id": 2},
        {"post_type": "request", "request_type": "friend", "user_id": 2, "comment": "加个好友", "flag": "f"},
        {"post_type": "meta_event", "meta_event_type": "lifecycle", "sub_type": "enable"},
        {"post_type": "message_sent", "message_type": "group", "group_id": 1, "user_id": int(SELF), "message": "x"},
        {"post_type": "message", "message_type": "guild", "message_id": 1, "user_id": 2, "message": "x"},
        {"post_type": "something_new"},
    ):
        await onebot.event(**event)
    await onebot.group_message("还在吗", group_id=20002000)
    await until(lambda: len(rig.received) == 1)
    assert rig.received[0].text == "还在吗" and not onebot.ws.closed


async def test_malformed_frames_are_skipped_and_the_link_stays_up(make_rig, caplog):
    caplog.set_level(logging.WARNING, logger="bot.channels.onebot")
    rig = await make_rig()
    onebot = await rig.connect()
    base = {"post_type": "message", "message_type": "group", "message_id": 1, "group_id": 2, "user_id": 3,
            "message": "hi", "self_id": int(SELF)}
    for raw in ("not json", "[1, 2]", "null", "{}", "[" * 100_000, '{"echo": {"weird": 1}, "status": "ok"}'):
        await onebot.ws.send_str(raw)
    for broken in ({"user_id": "abc"}, {"user_id": None}, {"group_id": True}, {"message": 42},
                   {"message": ["text"]}, {"message": [{"type": "text", "data": "x"}]}, {"message_type": None}):
        await onebot.ws.send_json({**base, **broken})
    missing = dict(base)
    del missing["message"]
    await onebot.ws.send_json(missing)
    await onebot.ws.send_str(json.dumps({**base, "message": "长" * 1_200_000}))  # over the 1M character limit
    await onebot.ws.send_bytes(b"\xff\xfe binary junk")
    await onebot.group_message("正常消息", group_id=20002000)
    await until(lambda: len(rig.received) == 1)
    assert rig.received[0].text == "正常消息"
    assert not onebot.ws.closed and rig.channel.health()["accounts"][SELF]["state"] == "up"
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) >= 14


# -- API calls and sending ------------------------------------------------------------------------------------------------
async def test_group_reply_is_an_array_and_resident_text_never_becomes_cq_code(make_rig):
    rig = await make_rig()
    onebot = await rig.connect()
    await onebot.group_message("在吗", group_id=20002000, message_id=555)
    await until(lambda: len(rig.received) == 1)

    quoted = asyncio.create_task(rig.channel.send(Outgoing(1, "group", "qq", "20002000", "[CQ:at,qq=all] 开会",
                                                           reply_to=f"{SELF}:555", mention_user_id="30003000")))
    call = await onebot.next_call()
    assert call["action"] == "send_group_msg"
    assert call["params"] == {"group_id": 20002000, "message": [
        {"type": "reply", "data": {"id": "555"}}, {"type": "text", "data": {"text": "[CQ:at,qq=all] 开会"}}]}
    await onebot.answer(call)
    await quoted

    # a message id seen by another account (or not ours) cannot be quoted: @ the resident instead
    mention = asyncio.create_task(rig.channel.send(Outgoing(2, "group", "qq", "20002000", "[CQ:at,qq=all]",
                                                            reply_to="777:1", mention_user_id="30003000")))
    call = await onebot.next_call()
    assert call["params"]["message"] == [{"type": "at", "data": {"qq": "30003000"}},
                                         {"type": "text", "data": {"text": " [CQ:at,qq=all]"}}]
    await onebot.answer(call)
    await mention


async def test_out_of_order_responses_reach_their_callers_and_late_ones_are_dropped(make_rig):
    rig = await make_rig()
    onebot = await rig.connect()
    first = asyncio.create_task(rig.channel.call("get_login_info", {}))
    second = asyncio.create_task(rig.channel.call("get_group_list", {}))
    call_1, call_2 = await onebot.next_call(), await onebot.next_call()
    assert call_1["echo"] != call_2["echo"]
    await onebot.answer(call_2, data=[{"group_id": 1}])
    await onebot.answer(call_1, data={"user_id": int(SELF), "nickname": "网格小助手"})
    assert await second == [{"group_id": 1}]
    assert (await first)["nickname"] == "网格小助手"

    unanswered = asyncio.create_task(rig.channel.call("get_status", {}))
    call = await onebot.next_call()
    with pytest.raises(ChannelError, match="no answer"):
        await unanswered  # onebot_api_timeout is 0.5 s here
    await onebot.answer(call)  # late: dropped
    await onebot.ws.send_json({"status": "ok", "retcode": 0, "data": None, "echo": "never-sent"})
    again = asyncio.create_task(rig.channel.call("get_status", {}))
    await onebot.answer(await onebot.next_call(), data={"online": True})
    assert await again == {"online": True}


async def test_no_connected_account_is_a_channel_error(make_rig):
    rig = await make_rig()
    with pytest.raises(ChannelError, match="no QQ account"):
        await rig.channel.send(Outgoing(1, "group", "qq", "20002000", "你好"))


async def test_a_target_that_is_no_number_is_a_channel_error(make_rig):
    rig = await make_rig()
    await rig.connect()
    for target in ("²", "99999999999999999999999"):  # ² passes str.isdigit() but not int()
        with pytest.raises(ChannelError, match="must be a number"):
            await rig.channel.send(Outgoing(1, "group", "qq", target, "你好"))


async def test_a_second_connection_for_an_account_replaces_the_first(make_rig):
    rig = await make_rig()
    old = await rig.connect()
    waiting = asyncio.create_task(rig.channel.call("get_status", {}))
    await old.next_call()
    new = await rig.connect()
    with pytest.raises(ChannelError, match="replaced"):
        await waiting
    closing = await old.ws.receive(timeout=3)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and old.ws.close_code == 4000
    assert list(rig.channel.health()["accounts"]) == [SELF]
    sending = asyncio.create_task(rig.channel.send(Outgoing(1, "private", "qq", "12345678", "你好")))
    await new.answer(await new.next_call())
    await sending


async def test_several_accounts_answer_each_group_through_the_account_that_saw_it(make_rig):
    rig = await make_rig()
    first, second = await rig.connect("1001"), await rig.connect("1002")
    await first.group_message("一群", group_id=111, message_id=5)
    await second.group_message("二群", group_id=222, message_id=6)
    await until(lambda: len(rig.received) == 2)
    for onebot, group, msg_id in ((second, "222", "1002:6"), (first, "111", "1001:5")):
        sending = asyncio.create_task(rig.channel.send(Outgoing(1, "group", "qq", group, "好的", reply_to=msg_id)))
        call = await onebot.next_call()
        assert call["params"]["group_id"] == int(group)
        assert call["params"]["message"][0] == {"type": "reply", "data": {"id": msg_id.split(":")[1]}}
        await onebot.answer(call)
        await sending


# -- the whole bot ----------------------------------------------------------------------------------------------------
async def test_resident_question_is_answered_with_send_group_msg(bot, make_rig):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    onebot = await rig.connect()
    await onebot.group_message([{"type": "at", "data": {"qq": SELF}},
                                {"type": "text", "data": {"text": " 房子被征收了，补偿标准是怎么定的？"}}],
                               group_id=int(group), message_id=4242)
    await until(handled(bot))
    delivery = asyncio.create_task(bot.deliver())
    call = await onebot.next_call()
    assert call["action"] == "send_group_msg" and call["params"]["group_id"] == int(group)
    reply, text = call["params"]["message"]
    assert reply == {"type": "reply", "data": {"id": "4242"}}
    assert text["type"] == "text" and ("评估" in text["data"]["text"] or "市场价格" in text["data"]["text"])
    await onebot.answer(call)
    assert await delivery == 1
    assert outbox(bot)["state"] == "sent"


async def test_a_message_seen_through_two_accounts_in_one_group_is_handled_once(bot, make_rig):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    first, second = await rig.connect("10001"), await rig.connect("10002")
    # The resident @-s the second account; the first account happens to report the message first.
    report = [{"type": "at", "data": {"qq": "10002"}}, {"type": "text", "data": {"text": "楼下垃圾堆了好几天没人清，臭得要命"}}]
    for onebot, base in ((first, 100), (second, 9100)):
        await onebot.group_message(report, group_id=int(group), message_id=base + 1)
    for onebot, base in ((first, 100), (second, 9100)):
        await onebot.group_message("6栋2单元门口", group_id=int(group), message_id=base + 2)
    # Said twice by the resident, seen twice by each account: heard twice.
    for n in (3, 4):
        for onebot, base in ((first, 100), (second, 9100)):
            await onebot.group_message("谢谢", group_id=int(group), message_id=base + n)
    for onebot, who in ((first, 555), (second, 666)):  # each link is in order: after these, all of the above is in
        await onebot.group_message("好的", group_id=int(group), user_id=who, message_id=who)
    done = "SELECT count(*) FROM inbox WHERE state = 'handled' AND text = '好的'"
    await until(lambda: bot.db.execute(done).fetchone()[0] == 2)
    texts = [r[0] for r in bot.db.execute("SELECT text FROM inbox WHERE user_id = ? ORDER BY id", [str(RESIDENT)])]
    assert texts == [report[1]["data"]["text"], "6栋2单元门口", "谢谢", "谢谢"]
    assert bot.db.execute("SELECT mentions_bot FROM inbox ORDER BY id LIMIT 1").fetchone()[0] == 1
    asked = bot.db.execute("SELECT count(*) FROM outbox WHERE kind = 'group' AND text LIKE '%具体在哪里%'").fetchone()[0]
    cases = list(bot.db.query("SELECT location FROM cases"))
    assert asked == 1 and cases == [{"location": "6栋2单元门口"}]


async def test_the_per_minute_limit_is_each_accounts_own(settings, clock, make_rig):
    bot = Bot(dataclasses.replace(settings, account_messages_per_minute=3), clock=clock)
    answering: list[asyncio.Task] = []
    try:
        group, _ = qq_group_with_worker(bot)
        rig = await make_rig(bot)
        busy, other = await rig.connect("10001"), await rig.connect("10002")
        calls: list[tuple[str, str]] = []

        async def answer_all(onebot: FakeOneBot) -> None:
            while True:
                call = await onebot.next_call(timeout=30)
                calls.append((onebot.self_id, call["action"]))
                await onebot.answer(call)

        answering += [asyncio.create_task(answer_all(link)) for link in (busy, other)]
        for n in range(3):  # three residents ask the first account in private: its three messages this minute
            await busy.event(post_type="message", message_type="private", sub_type="friend", message_id=70 + n,
                             user_id=40004000 + n, message="物业费的收费标准是怎么定的？", sender={"nickname": f"居民{n}"})
        await other.group_message("[CQ:at,qq=10002] 房子被征收了，补偿标准是怎么定的？", group_id=group, message_id=80)
        await until(handled(bot, 4))
        assert await bot.deliver() == 4  # the group's answer goes out through the second account at once
        assert sorted(calls) == [("10001", "send_private_msg")] * 3 + [("10002", "send_group_msg")]
    finally:
        for task in answering:
            task.cancel()
        await asyncio.gather(*answering, return_exceptions=True)
        bot.close()


async def test_quoting_the_bots_answer_addresses_the_bot(bot, make_rig):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    onebot = await rig.connect()
    await onebot.group_message([{"type": "text", "data": {"text": "物业费的收费标准是怎么定的？"}}], group_id=int(group))
    await until(handled(bot))
    delivery = asyncio.create_task(bot.deliver())
    await onebot.answer(await onebot.next_call())  # our answer becomes QQ message 9001
    await delivery
    # A quote of our message with a terse follow-up, no @: still for the bot, so it is not ignored as chat.
    await onebot.group_message([{"type": "reply", "data": {"id": "9001"}}, {"type": "text", "data": {"text": "谢谢"}}],
                               group_id=int(group), message_id=5151)
    await until(handled(bot, 2))
    row = next(iter(bot.db.query("SELECT mentions_bot FROM inbox WHERE message_id LIKE '%:5151'")))
    assert row["mentions_bot"] == 1
    await onebot.group_message([{"type": "reply", "data": {"id": "777"}}, {"type": "text", "data": {"text": "谢谢"}}],
                               group_id=int(group), message_id=5152)
    await until(handled(bot, 3))
    row = next(iter(bot.db.query("SELECT mentions_bot FROM inbox WHERE message_id LIKE '%:5152'")))
    assert row["mentions_bot"] == 0  # quoting a resident's message is not talking to the bot


async def test_complaint_notifies_the_grid_worker_privately_with_the_text_kept_as_text(bot, make_rig):
    group, worker = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    onebot = await rig.connect()
    await onebot.group_message(f"[CQ:at,qq={SELF}] &#91;CQ:at,qq=all&#93; 我们5栋楼下的路灯坏了一个星期了，晚上走路看不见也没人修",
                               group_id=group, message_id=31)
    await until(handled(bot))
    pending = bot.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    delivery = asyncio.create_task(bot.deliver())
    calls = []
    for _ in range(pending):
        calls.append(await onebot.next_call())
        await onebot.answer(calls[-1])
    assert await delivery == pending
    group_call = next(c for c in calls if c["action"] == "send_group_msg")
    assert group_call["params"]["message"][0] == {"type": "reply", "data": {"id": "31"}}
    private = [c for c in calls if c["action"] == "send_private_msg"]
    assert [c["params"]["user_id"] for c in private] == [int(worker)]
    segments = private[0]["params"]["message"]
    assert [s["type"] for s in segments] == ["text"]
    assert "[CQ:at,qq=all]" in segments[0]["data"]["text"]


async def test_unanswered_call_keeps_the_item_pending_until_a_later_round(bot, make_rig, clock):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    onebot = await rig.connect()
    await onebot.group_message(f"[CQ:at,qq={SELF}] 物业费的收费标准是怎么定的？", group_id=group)
    await until(handled(bot))
    delivery = asyncio.create_task(bot.deliver())
    ignored = await onebot.next_call()
    assert await delivery == 0
    row = outbox(bot)
    assert row["state"] == "pending" and row["attempts"] == 1 and "no answer to send_group_msg" in row["last_error"]
    await onebot.answer(ignored)  # too late: dropped, the link stays up

    clock.advance(seconds=6)
    delivery = asyncio.create_task(bot.deliver())
    await onebot.answer(await onebot.next_call())
    assert await delivery == 1 and outbox(bot)["state"] == "sent"


async def test_failed_retcode_is_retried_later(bot, make_rig, clock):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot)
    onebot = await rig.connect()
    await onebot.group_message(f"[CQ:at,qq={SELF}] 物业费的收费标准是怎么定的？", group_id=group)
    await until(handled(bot))
    delivery = asyncio.create_task(bot.deliver())
    await onebot.answer(await onebot.next_call(), status="failed", retcode=1200, data=None, wording="发送失败")
    assert await delivery == 0
    row = outbox(bot)
    assert row["state"] == "pending" and "retcode 1200 发送失败" in row["last_error"]
    assert await bot.deliver() == 0  # not due yet: nothing is sent
    clock.advance(seconds=6)
    delivery = asyncio.create_task(bot.deliver())
    await onebot.answer(await onebot.next_call())
    assert await delivery == 1 and outbox(bot)["attempts"] == 2


async def test_missing_heartbeats_make_the_account_stale_in_healthz(bot, make_rig):
    rig = await make_rig(bot)
    onebot = await rig.connect()
    heartbeat = {"post_type": "meta_event", "meta_event_type": "heartbeat", "interval": 200,
                 "status": {"online": True, "good": True}}
    await onebot.event(**heartbeat)
    await until(lambda: rig.channel.health()["accounts"].get(SELF, {}).get("online") is True)
    health = await rig.healthz()
    assert health["state"] == "up" and health["accounts"][SELF]["state"] == "up"
    assert health["accounts"][SELF]["last_event_at"]
    await asyncio.sleep(0.7)  # more than 3 intervals of 200 ms
    health = await rig.healthz()
    assert health["state"] == "waiting" and health["accounts"][SELF]["state"] == "stale"
    await onebot.event(**heartbeat)
    await until(lambda: rig.channel.health()["state"] == "up")


async def test_stopping_the_service_closes_the_links_at_once(bot, settings):
    channel = OneBotChannel(dataclasses.replace(settings, onebot_access_token=TOKEN))
    service = Service(bot, [channel])
    ready = asyncio.Event()
    running = asyncio.create_task(service.run("127.0.0.1", 0, ready=lambda _: ready.set()))
    await ready.wait()
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"http://127.0.0.1:{service.port}{WS_PATH}",
                                   headers={"X-Self-ID": SELF, "Authorization": f"Bearer {TOKEN}"})
        service.stop()
        closing = await ws.receive(timeout=3)
        assert closing.type == aiohttp.WSMsgType.CLOSE and ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
        await asyncio.wait_for(running, 5)


# -- HTTP: events by POST, API calls by HTTP --------------------------------------------------------------------------
async def test_http_post_events_need_a_valid_signature(make_rig):
    rig = await make_rig(onebot_secret="secret")
    body = json.dumps({"time": 1, "self_id": int(SELF), "post_type": "message", "message_type": "group",
                       "message_id": 8, "group_id": 20002000, "user_id": RESIDENT, "message": "HTTP 来的",
                       "sender": {"nickname": "小张"}}, ensure_ascii=False).encode()
    good = "sha1=" + hmac.new(b"secret", body, hashlib.sha1).hexdigest()

    async def post(data: bytes, **headers) -> int:
        async with rig.http.post(rig.base + HTTP_PATH, data=data,
                                 headers={"Content-Type": "application/json", **headers}) as resp:
            return resp.status

    assert await post(body, **{"X-Self-ID": SELF}) == 401
    assert await post(body, **{"X-Self-ID": SELF, "X-Signature": "sha1=" + "0" * 40}) == 403
    assert await post(body + b" ", **{"X-Self-ID": SELF, "X-Signature": good}) == 403  # signed over the raw bytes
    assert await post(body, **{"X-Signature": good}) == 400
    bad = b"{not json"
    assert await post(bad, **{"X-Self-ID": SELF,
                               "X-Signature": "sha1=" + hmac.new(b"secret", bad, hashlib.sha1).hexdigest()}) == 400
    assert await post(b'{"post_type":"meta_event"}', **{"x-self-id": SELF,  # the example in PROTOCOLS.md
                      "x-signature": "sha1=3f2b4c15bf23e0d67d4cacb7f5e3de9e3b188f69"}) == 204
    assert await post(body, **{"X-Self-ID": SELF, "X-Signature": good}) == 204
    await until(lambda: len(rig.received) == 1)
    assert rig.received[0].message_id == f"{SELF}:8" and rig.received[0].text == "HTTP 来的"
    assert rig.channel.health()["accounts"][SELF]["transport"] == "http"


async def test_an_account_that_can_receive_but_not_reply_is_degraded_in_healthz(bot, make_rig):
    group, _ = qq_group_with_worker(bot)
    rig = await make_rig(bot, onebot_secret="secret")
    body = json.dumps({"time": 1, "self_id": int(SELF), "post_type": "message", "message_type": "group",
                       "message_id": 8, "group_id": int(group), "user_id": RESIDENT,
                       "message": f"[CQ:at,qq={SELF}] 物业费的收费标准是怎么定的？"}, ensure_ascii=False).encode()
    signature = "sha1=" + hmac.new(b"secret", body, hashlib.sha1).hexdigest()
    async with rig.http.post(rig.base + HTTP_PATH, data=body,
                             headers={"X-Self-ID": SELF, "X-Signature": signature}) as resp:
        assert resp.status == 204
    await until(handled(bot))
    # No socket and no BOT_ONEBOT_API_URL: events arrive, replies cannot leave.
    health = await rig.healthz()
    assert health["state"] == "degraded"
    assert health["accounts"][SELF]["state"] == "degraded" and health["accounts"][SELF]["can_send"] is False
    assert await bot.deliver() == 0 and "no QQ account" in outbox(bot)["last_error"]
    # Once an account is connected by WebSocket, the channel can reply again.
    await rig.connect("10002000")
    await until(lambda: "10002000" in rig.channel.health()["accounts"])
    health = await rig.healthz()
    assert health["state"] == "up" and health["accounts"]["10002000"]["can_send"] is True


async def test_http_api_only_setup_sends_by_post(make_rig):
    seen: list[tuple[str, str, dict]] = []
    answers = [{"status": "ok", "retcode": 0, "data": {"message_id": 1}},
               {"status": "failed", "retcode": 100, "data": None, "message": "群不存在"}]

    async def api(request: web.Request) -> web.Response:
        seen.append((request.match_info["action"], request.headers.get("Authorization", ""), await request.json()))
        if not answers:
            return web.Response(status=500)
        return web.json_response(answers.pop(0))

    app = web.Application()
    app.router.add_post("/{action}", api)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        rig = await make_rig(onebot_api_url=f"http://127.0.0.1:{runner.addresses[0][1]}/")
        await rig.channel.send(Outgoing(1, "group", "qq", "20002000", "[CQ:at,qq=all]", mention_user_id="30003000"))
        action, auth, body = seen[0]
        assert action == "send_group_msg" and auth == f"Bearer {TOKEN}"
        assert body == {"group_id": 20002000, "message": [{"type": "at", "data": {"qq": "30003000"}},
                                                          {"type": "text", "data": {"text": " [CQ:at,qq=all]"}}]}
        with pytest.raises(ChannelError, match="retcode 100 群不存在"):
            await rig.channel.send(Outgoing(2, "private", "qq", "12345678", "你好"))
        assert seen[1][0] == "send_private_msg" and seen[1][2]["user_id"] == 12345678
        with pytest.raises(ChannelError, match="HTTP 500"):
            await rig.channel.send(Outgoing(3, "private", "qq", "12345678", "你好"))
    finally:
        await runner.cleanup()
    with pytest.raises(ChannelError):  # nobody listening any more
        await rig.channel.send(Outgoing(4, "private", "qq", "12345678", "你好"))
