"""The WeChat channel: the real wechaty client against a fake puppet-service gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.channels.base import ChannelError
from bot.channels.wechat import WechatyChannel
from bot.config import ConfigError
from bot.messages import Outgoing
from fake_puppet import IMAGE, OFFICIAL, E, FakePuppetService, wait_until

TOKEN = "puppet-token-7f3a9c"
RESIDENT = "wxid_resident01"
QUESTION = "房子被征收了，补偿标准是怎么定的？"
COMPLAINT = "我们5栋楼下的路灯坏了一个星期了，晚上走路看不见也没人修"


@pytest.fixture
async def fake(monkeypatch):
    server = FakePuppetService(token=TOKEN)
    port = await server.start()
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", f"127.0.0.1:{port}")
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", TOKEN)
    yield server
    await server.stop()


@pytest.fixture
def room(bot, fake) -> dict:
    """A registered WeChat grid group whose grid has WeChat workers, present at the gateway with our resident."""
    row = next(iter(bot.db.query(
        "SELECT g.group_id, g.grid FROM groups g WHERE g.channel = 'wechat' AND EXISTS (SELECT 1 FROM people p "
        "WHERE p.kind = 'worker' AND p.channel = 'wechat' AND p.grid = g.grid) ORDER BY g.group_id LIMIT 1")))
    workers = {r["user_id"] for r in bot.db.query(
        "SELECT user_id FROM people WHERE kind = 'worker' AND channel = 'wechat' AND grid = ?", [row["grid"]])}
    fake.add_contact(RESIDENT, "Alice")
    fake.add_room(row["group_id"], "网格群", {RESIDENT: "张阿姨", **{w: "" for w in workers}})
    return {"id": row["group_id"], "workers": workers}


@pytest.fixture
def alerts() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def channel(settings, fake, alerts) -> WechatyChannel:
    settings.wechaty_login_timeout = 1.0
    return WechatyChannel(settings, alert=lambda text, key: alerts.append((text, key)),
                          first_backoff=0.05, max_backoff=0.2, probe_seconds=30.0, rpc_timeout=2.0)


@asynccontextmanager
async def running(bot, channel):
    bot.add_channel(channel)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(channel.run(bot.on_message)), asyncio.create_task(bot.run_outbox(stop))]
    try:
        await until(channel, lambda: channel.health()["state"] == "up", "the WeChat link to come up")
        yield
    finally:
        stop.set()
        tasks[0].cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def until(channel: WechatyChannel, predicate, what: str) -> None:
    await wait_until(predicate, what=what, state=channel.health)


def inbox(bot) -> list[dict]:
    return list(bot.db.query("SELECT * FROM inbox WHERE channel = 'wechat' ORDER BY id"))


def test_importing_the_channel_does_not_import_wechaty():
    code = "import sys, bot.channels.wechat; assert not {'wechaty', 'wechaty_puppet'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_settings_errors_name_the_variable(settings, monkeypatch):
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "127.0.0.1:9")
    monkeypatch.delenv("WECHATY_PUPPET_SERVICE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="WECHATY_PUPPET_SERVICE_TOKEN"):
        WechatyChannel(settings)
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("WECHATY_PUPPET_SERVICE_ENDPOINT", "https://gateway.example:443")
    with pytest.raises(ConfigError, match="TLS"):
        WechatyChannel(settings)


async def test_question_in_room_is_answered_with_a_mention(bot, fake, room, channel):
    async with running(bot, channel):
        fake.push_text(f"@网格小助手\u2005{QUESTION}", talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply")
    reply = fake.sent[0]
    assert reply.conversation_id == room["id"]
    assert list(reply.mentonal_ids) == [RESIDENT]
    assert reply.text.startswith("@张阿姨 ") and ("评估" in reply.text or "市场价格" in reply.text)
    [row] = inbox(bot)
    assert (row["group_id"], row["user_id"], row["user_name"], row["mentions_bot"]) == (room["id"], RESIDENT, "张阿姨", 1)
    assert fake.authorities and set(fake.authorities) == {TOKEN}  # the token rides in :authority
    assert fake.calls[-1] == "Stop"  # the link was closed on the way out


async def test_a_mention_by_name_only_counts(bot, fake, room, channel):
    async with running(bot, channel):  # some puppets leave mention ids empty
        fake.push_text(f"@网格小助手\u2005{QUESTION}", talker=RESIDENT, room=room["id"])
        await until(channel, lambda: fake.sent, "the reply")
    assert inbox(bot)[0]["mentions_bot"] == 1


async def test_the_service_runs_the_channel_and_healthz_shows_it(bot, fake, room, channel):
    from bot.service import Service  # the whole HTTP service, as `serve` runs it

    assert channel.health() == {"state": "down", "logged_in_as": None, "name": None, "restarts": 0, "failures": 0,
                                "last_error": None}
    service = Service(bot, [channel])
    served = asyncio.create_task(service.run("127.0.0.1", 0))
    try:
        await until(channel, lambda: channel.health()["state"] == "up", "login")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{service.port}/healthz") as response:
                health = (await response.json())["channels"]["wechat"]
        assert health["state"] == "up" and health["logged_in_as"] == fake.self_id and health["restarts"] == 0
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply")
    finally:
        service.stop()
        await asyncio.wait_for(served, 10)
    assert channel.health()["state"] == "down"


async def test_complaint_notifies_the_grid_worker_privately(bot, fake, room, channel):
    async with running(bot, channel):
        fake.push_text(COMPLAINT, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: len(fake.sent) >= 1 + len(room["workers"]), "the reply and the notices")
    group = [s for s in fake.sent if s.conversation_id == room["id"]]
    private = [s for s in fake.sent if s.conversation_id != room["id"]]
    case = next(iter(bot.db.query("SELECT * FROM cases")))
    assert len(group) == 1 and case["id"] in group[0].text and list(group[0].mentonal_ids) == [RESIDENT]
    assert {s.conversation_id for s in private} == room["workers"]
    assert all(case["id"] in s.text and not s.mentonal_ids for s in private)
    assert bot.db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 0


async def test_own_non_text_and_official_messages_are_ignored(bot, fake, room, channel):
    fake.add_contact("gh_news", "街道公众号", kind=OFFICIAL)
    async with running(bot, channel):
        fake.push_text(QUESTION, talker=fake.self_id, room=room["id"])  # the bot's own message, echoed back
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], kind=IMAGE)
        fake.push_text("今日新闻推送", talker="gh_news")
        fake.push_text("", talker=RESIDENT, room=room["id"])
        barrier = fake.push_text(QUESTION, talker=RESIDENT)  # a private question, answered privately
        await until(channel, lambda: fake.sent, "the private answer")
    assert [r["message_id"] for r in inbox(bot)] == [barrier]
    assert inbox(bot)[0]["group_id"] is None and inbox(bot)[0]["user_name"] == "Alice"
    assert [(s.conversation_id, list(s.mentonal_ids)) for s in fake.sent] == [(RESIDENT, [])]


async def test_a_bad_message_does_not_break_the_link(bot, fake, room, channel):
    async with running(bot, channel):
        fake.emit(E.EVENT_TYPE_MESSAGE, {"messageId": "no-such-message"})  # MessagePayload answers NOT_FOUND
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply")
        assert channel.health()["state"] == "up" and channel.health()["restarts"] == 0


async def test_an_ended_event_stream_is_restarted(bot, fake, room, channel):
    async with running(bot, channel):
        fake.end_stream()  # wechaty's own start() would just return here and never reconnect
        await until(channel, lambda: fake.streams == 2 and channel.health()["state"] == "up", "the restart")
        health = channel.health()
        assert health["restarts"] == 1 and "ended the event stream" in health["last_error"]
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply after the restart")
    assert fake.sent[0].conversation_id == room["id"]


async def test_a_failed_stream_and_a_missing_login_are_restarted(bot, fake, room, channel):
    async with running(bot, channel):
        fake.login_on_connect = False
        fake.fail_stream()
        await until(channel, lambda: fake.streams == 2, "the reconnect")
        assert channel.health()["state"] == "connecting"
        assert "UNAVAILABLE" in channel.health()["last_error"]
        with pytest.raises(ChannelError):
            await channel.send(Outgoing(1, "private", "wechat", RESIDENT, "你好"))
        await until(channel, lambda: "no login within" in (channel.health()["last_error"] or ""), "the login watchdog")
        fake.login_on_connect = True
        await until(channel, lambda: channel.health()["state"] == "up", "login after the restart")
        assert channel.health()["restarts"] >= 2
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply")


async def test_a_dead_gateway_alerts_the_admins_once_and_recovery_is_reported(bot, fake, room, channel, alerts):
    channel.stable_seconds = 0.3  # up this long counts as recovered
    async with running(bot, channel):
        port = fake.port
        await fake.stop()
        await until(channel, lambda: channel.health()["failures"] >= 4, "several failed restarts")
        assert channel.health()["state"] in ("down", "connecting")
        assert "unreachable" in channel.health()["last_error"]
        assert len(alerts) == 1 and "微信通道已断开" in alerts[0][0]
        with pytest.raises(ChannelError):
            await channel.send(Outgoing(1, "group", "wechat", room["id"], "你好"))
        await fake.start(port)
        await until(channel, lambda: channel.health()["state"] == "up", "recovery")
        await until(channel, lambda: len(alerts) == 2, "the recovery notice")
        assert "已恢复" in alerts[1][0] and alerts[0][1] != alerts[1][1] and channel.health()["failures"] == 0
        fake.push_text(QUESTION, talker=RESIDENT, room=room["id"], mention_ids=(fake.self_id,))
        await until(channel, lambda: fake.sent, "the reply after recovery")


async def test_a_logout_restarts_the_link(bot, fake, room, channel):
    async with running(bot, channel):
        fake.emit(E.EVENT_TYPE_LOGOUT, {"contactId": fake.self_id, "data": "kicked out"})
        await until(channel, lambda: fake.streams == 2 and channel.health()["state"] == "up", "the new login")
        assert "logged out" in channel.health()["last_error"]


async def test_waiting_for_a_scan_is_retried_and_the_admins_get_the_qr_link(bot, fake, channel, alerts, capsys):
    channel.login_timeout = 0.3
    fake.login_on_connect, fake.scan_qrcode = False, "https://login.weixin.qq.com/l/abc=="
    bot.add_channel(channel)
    task = asyncio.create_task(channel.run(bot.on_message))
    try:
        await until(channel, lambda: alerts, "the alert")
        assert "no login within 0.3s (waiting for a QR-code scan)" in channel.health()["last_error"]
        assert "扫码" in alerts[0][0] and "https://wechaty.js.org/qrcode/https%3A%2F%2Flogin.weixin.qq.com" in alerts[0][0]
        channel.login_timeout, fake.login_on_connect = 2.0, True  # someone scanned it
        await until(channel, lambda: channel.health()["state"] == "up", "login")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    capsys.readouterr()  # wechaty prints the QR code to the terminal


async def test_a_silent_link_is_probed_and_a_hung_one_restarted(bot, fake, room, channel):
    channel.probe_seconds, channel.rpc_timeout = 0.2, 0.5
    async with running(bot, channel):
        await until(channel, lambda: "Ding" in fake.calls, "a liveness probe")
        assert channel.health()["restarts"] == 0
        fake.hang_ding = True
        await until(channel, lambda: channel.health()["restarts"] >= 1, "the hung link to be restarted")
        assert "liveness probe failed" in channel.health()["last_error"]


async def test_a_wrong_token_is_reported_without_revealing_it(bot, fake, channel, alerts, caplog):
    fake.token = "the-gateways-real-token"
    bot.add_channel(channel)
    task = asyncio.create_task(channel.run(bot.on_message))
    try:
        await until(channel, lambda: len(alerts) == 1, "the alert")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    health = channel.health()
    assert health["state"] == "down" and "UNAUTHENTICATED" in health["last_error"]
    for text in (json.dumps(health, ensure_ascii=False), alerts[0][0], caplog.text):
        assert TOKEN not in text
    assert "***" in health["last_error"]
