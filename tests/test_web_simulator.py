"""The group-chat simulator: a real channel through the whole pipeline, shown on a page; scoped to the user's groups."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from bot.channels.simulator import SimulatorChannel, split_mention
from bot.clock import FakeClock
from bot.config import Settings
from bot.messages import Incoming, Outgoing
from bot.registry import find_group
from bot.web.testing import add_test_users, as_user

JINPENLING = "wechat:86429270894@chatroom"  # 金盆岭社区第1网格便民服务群
JINPENLING_QQ = "qq:9993366029"  # 金盆岭社区1网格QQ群
XIANGHE = "wechat:29428853256@chatroom"
CONTACT = "qq:431669818"  # 廖小芳, 金盆岭社区's contact: acts for every grid of the community


# -- the channel on its own ---------------------------------------------------------------------------------------
def test_split_mention():
    assert split_mention("@网格小助手 补偿怎么算") == ("补偿怎么算", True)
    assert split_mention("补偿怎么算") == ("补偿怎么算", False)


async def test_channel_records_what_is_said_and_sent_on_its_own_channel_names():
    received: list[Incoming] = []

    async def on_message(msg: Incoming) -> None:
        received.append(msg)

    sim = SimulatorChannel()
    task = asyncio.create_task(sim.run(on_message))
    await asyncio.sleep(0)
    await sim.say("qq", "g1", "张阿姨", "@小助手 几点开门")
    await sim.send(Outgoing(1, "group", "simulator:qq", "g1", "八点", mention_name="张阿姨"))
    await sim.send(Outgoing(2, "private", "simulator:qq", "w1", "新事项"))
    await sim.send(Outgoing(3, "group", "simulator:qq", "g2", "别的群"))
    # The group's own id, on the simulated twin of its channel: no real channel delivers what it causes.
    assert sim.names == ("simulator:qq", "simulator:wechat")
    assert received[0].channel == "simulator:qq" and received[0].group_id == "g1" and received[0].mentions_bot
    assert received[0].text == "几点开门" and received[0].user_name == "张阿姨"
    lines = sim.feed(0, [("qq", "g1")], [("qq", "w1")])
    assert [(line.kind, line.text) for line in lines] == [("resident", "@网格小助手 几点开门"), ("bot", "八点"),
                                                          ("to_worker", "新事项")]
    assert sim.feed(lines[1].seq, [("qq", "g1")], []) == []
    assert sim.health() == {"state": "up", "simulated": True}
    sim.stop()
    await task


# -- through the console ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = Bot(Settings(db=str(tmp_path_factory.mktemp("sim") / "bot.db")), clock=FakeClock(datetime(2026, 11, 26, 9, 30)))
    instance.simulator = SimulatorChannel()
    instance.add_channel(instance.simulator)
    add_test_users(instance.db)
    yield instance
    instance.close()


@pytest.fixture
async def running(bot):
    """The simulator channel runs in this test's loop; the test delivers the outbox itself (no timing games)."""
    task = asyncio.create_task(bot.simulator.run(bot.on_message))
    await asyncio.sleep(0)
    yield bot
    bot.simulator.stop()
    await task



async def say_in_turn(client, bot, group, name, texts):
    """Say each text as `name` in the simulated group, letting the bot deliver its replies after each."""
    for text in texts:
        await client.post_json("/console/simulator/say", {"group": group, "name": name, "text": text})
        await bot.deliver()


async def feed(client, group, since=0):
    response = await client.raw_get(f"/console/simulator/feed?group={group}&since={since}")
    assert response.status == 200
    return (await response.json())["lines"]


async def test_page_offers_only_the_users_groups(bot):
    client = await as_user(bot, "jinpenling")
    try:
        page = await client.get("/console/simulator")
        assert "金盆岭社区第1网格便民服务群" in page and "湘河社区第1网格便民服务群" not in page
        assert "袁萍" in page  # the grid worker whose inbox is shown
        assert (await client.get(f"/console/simulator?group={XIANGHE}")).status == 404
    finally:
        await client.close()


async def test_a_question_gets_the_bots_answer(running):
    client = await as_user(running, "district")
    try:
        await client.get(f"/console/simulator?group={JINPENLING}")
        status, body = await client.post_json("/console/simulator/say", {
            "group": JINPENLING, "name": "李叔", "text": "征收补偿标准是怎么定的", "mention": True})
        assert status == 200 and body["ok"]
        await running.deliver()
        lines = await feed(client, JINPENLING)
        assert lines[-2]["kind"] == "resident" and lines[-2]["who"] == "李叔"
        assert lines[-1]["kind"] == "bot" and "国有土地上房屋征收与补偿条例" in lines[-1]["text"]
        assert lines[-1]["mention"] == "李叔"
    finally:
        await client.close()


async def test_a_complaint_files_a_case_and_the_worker_is_told(running):
    client = await as_user(running, "jinpenling")
    try:
        await client.get(f"/console/simulator?group={JINPENLING}")
        await say_in_turn(client, running, JINPENLING, "张阿姨",
                          ("@网格小助手 小区门口的垃圾三天没人清了，臭得很", "就在3栋2单元门口"))
        lines = await feed(client, JINPENLING)
        notice = [line for line in lines if line["kind"] == "to_worker"]
        assert notice and "新网格事项" in notice[-1]["text"]
        case_id = notice[-1]["text"].split("】")[1].split()[0]
        assert running.cases.case_json(case_id)["grid"] == "金盆岭社区第1网格"
        # The worker answers from the side panel, as from their own phone.
        status, _ = await client.post_json("/console/simulator/whisper", {
            "group": JINPENLING, "person": "wechat:wxid_sruppz48bmdk6x", "text": f"接单 {case_id}"})
        assert status == 200
        await running.deliver()
        assert running.cases.case_json(case_id)["state"] == "in_progress"
        lines = await feed(client, JINPENLING, lines[-1]["seq"])
        assert [line["kind"] for line in lines] == ["from_worker", "to_worker"]
        board = await client.get(f"/console/cases/{case_id}")
        assert "处置中" in board
    finally:
        await client.close()


async def test_other_places_groups_are_out_of_reach(running):
    client = await as_user(running, "jinpenling")
    try:
        await client.get("/console/simulator")
        status, _ = await client.post_json("/console/simulator/say", {"group": XIANGHE, "name": "x", "text": "你好"})
        assert status == 404
        assert (await client.raw_get(f"/console/simulator/feed?group={XIANGHE}")).status == 404
        status, _ = await client.post_json("/console/simulator/whisper", {
            "group": JINPENLING, "person": "wechat:wxid_3a2138n5e8sg0m", "text": "接单 1"})  # 湘河 worker
        assert status == 400
    finally:
        await client.close()


async def test_a_grid_account_cannot_speak_as_the_community_contact(running):
    group = find_group(running.db, "wechat", "35613309525@chatroom")  # 金盆岭社区第2网格
    with running.db.atomic():
        other_grid = running.cases.file(category="sanitation", text="二网格楼下垃圾没人清", group=group, reporter_id="u-2",
                                        reporter_name="刘阿姨", message_id="grid2-case").case_id
    await running.simulator.send(Outgoing(900, "private", "simulator:qq", "431669818", f"【事项退回】{other_grid}（金盆岭社区第2网格）"))
    client = await as_user(running, "grid1")
    try:
        page = await client.get(f"/console/simulator?group={JINPENLING_QQ}")
        assert "袁萍" in page and "廖小芳" not in page
        for text in (f"办结 {other_grid} 越权", "我的事项"):
            status, body = await client.post_json("/console/simulator/whisper", {
                "group": JINPENLING_QQ, "person": CONTACT, "text": text})
            assert status == 400 and "本网格" in body["error"]
        await running.deliver()
        assert running.cases.case_json(other_grid)["state"] == "assigned"
        assert not any(other_grid in line["text"] for line in await feed(client, JINPENLING_QQ))
    finally:
        await client.close()
    client = await as_user(running, "jinpenling")  # the community's own admin may
    try:
        await client.get(f"/console/simulator?group={JINPENLING_QQ}")
        assert any(other_grid in line["text"] for line in await feed(client, JINPENLING_QQ))
        status, _ = await client.post_json("/console/simulator/whisper", {
            "group": JINPENLING_QQ, "person": CONTACT, "text": "我的事项"})
        assert status == 200
    finally:
        await client.close()


async def test_bad_requests(running):
    client = await as_user(running, "district")
    try:
        await client.get("/console/simulator")
        status, body = await client.post_json("/console/simulator/say", {"group": JINPENLING, "name": "", "text": "hi"})
        assert status == 400 and "昵称" in body["error"]
        response = await client.client.post("/console/simulator/say", data="not json", headers={
            "X-CSRF-Token": client.token, "Content-Type": "application/json", "Accept": "application/json"})
        assert response.status == 400
        status, body = await client.post_json("/console/simulator/say", {"group": JINPENLING, "name": "a", "text": "b"},
                                              csrf=False)
        assert status == 403
        for since in ("²", "99999999999999999999999", "-1"):  # ² passes str.isdigit() but not int()
            response = await client.raw_get(f"/console/simulator/feed?group={JINPENLING}&since={since}&wait=²")
            assert response.status == 200
    finally:
        await client.close()


async def test_long_poll_returns_when_a_line_arrives(running):
    client = await as_user(running, "district")
    try:
        await client.get(f"/console/simulator?group={JINPENLING}")
        since = running.simulator.lines[-1].seq if running.simulator.lines else 0
        poll = asyncio.create_task(client.raw_get(f"/console/simulator/feed?group={JINPENLING}&since={since}&wait=10"))
        await asyncio.sleep(0.2)
        assert not poll.done()
        await client.post_json("/console/simulator/say", {"group": JINPENLING, "name": "王姐", "text": "大家好"})
        response = await asyncio.wait_for(poll, 5)
        assert [line["text"] for line in (await response.json())["lines"]][:1] == ["大家好"]
    finally:
        await client.close()


async def test_without_a_simulator_channel_the_page_says_so(tmp_path):
    bot = Bot(Settings(db=str(tmp_path / "b.db")), clock=FakeClock(datetime(2026, 11, 26, 9, 30)))
    add_test_users(bot.db)
    client = await as_user(bot, "district")
    try:
        assert "模拟群聊未启用" in await client.get("/console/simulator")
        status, _ = await client.post_json("/console/simulator/say", {"group": JINPENLING, "name": "a", "text": "b"})
        assert status == 404
    finally:
        await client.close()
        bot.close()


async def _simulator_beside_real_channels(tmp_path):
    """A bot as `serve` runs it: QQ and WeChat (here in memory) and the simulator on one database."""
    clock = FakeClock(datetime(2026, 11, 26, 9, 30))
    bot = Bot(Settings(db=str(tmp_path / "bot.db")), clock=clock)
    add_test_users(bot.db)
    simulator, real = SimulatorChannel(clock=clock), MemoryChannel()
    bot.add_channel(real)
    bot.add_channel(simulator)
    task = asyncio.create_task(simulator.run(bot.on_message))
    await asyncio.sleep(0)
    return bot, clock, real, simulator, task


async def test_simulated_traffic_never_reaches_a_real_group_or_worker(tmp_path):
    """QA: the simulator's answers, its unanswered "where exactly?" and the case it became went to the real WeChat
    group and worker once real channels ran on the same database, and a real resident was told "answered above"."""
    bot, clock, real, simulator, task = await _simulator_beside_real_channels(tmp_path)
    client = await as_user(bot, "district")
    try:
        await client.get(f"/console/simulator?group={JINPENLING}")
        for name, text in (("测试员甲", "@网格小助手 征收补偿标准是怎么定的"), ("测试员乙", "@网格小助手 征收补偿标准是怎么定的"),
                           ("测试员丙", "楼下饭店油烟直排太呛了")):
            status, _ = await client.post_json("/console/simulator/say", {"group": JINPENLING, "name": name, "text": text})
            assert status == 200
        clock.advance(hours=1)  # nobody said where: the report is filed with 位置待核实
        bot.tick()
        await bot.deliver()
        assert real.sent == []
        lines = await feed(client, JINPENLING)
        assert [line["mention"] for line in lines if line["kind"] == "bot"][:1] == ["测试员甲"]  # the rest are paced
        assert any("新网格事项" in line["text"] for line in lines if line["kind"] == "to_worker")
        case = bot.cases.list_cases()[0]
        assert case["channel"] == "simulator:wechat" and case["grid"] == "金盆岭社区第1网格"
        assert "模拟" in await client.get(f"/console/cases/{case['id']}")
        # A real resident asking the same in the real group gets the answer: nothing was said there.
        bot.handle(Incoming("wechat", "real-1", "86429270894@chatroom", "wxid_resident", "征收补偿标准是怎么定的",
                            "王大爷", True))
        await bot.deliver()
        assert [item.target for item in real.sent] == ["86429270894@chatroom"]
        assert "国有土地上房屋征收与补偿条例" in real.sent[0].text and "回答过" not in real.sent[0].text
    finally:
        await client.close()
        simulator.stop()
        await task
        bot.close()


async def test_beside_real_channels_a_group_message_is_handled_as_in_the_group(tmp_path):
    """QA: under `serve` every simulated group message got the private-chat greeting."""
    bot, _, real, simulator, task = await _simulator_beside_real_channels(tmp_path)
    client = await as_user(bot, "district")
    try:
        await client.get(f"/console/simulator?group={JINPENLING}")
        await say_in_turn(client, bot, JINPENLING, "李叔", ("哈哈今天天气不错", "5栋楼下路灯坏了好几天了"))
        said = [line["text"] for line in await feed(client, JINPENLING) if line["kind"] == "bot"]
        assert len(said) == 1 and "请直接说出您的问题" not in said[0]  # chatter gets no answer; the report is taken
        assert bot.cases.list_cases()[0]["channel"] == "simulator:wechat"
        assert real.sent == []
    finally:
        await client.close()
        simulator.stop()
        await task
        bot.close()
