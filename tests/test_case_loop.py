"""The grid case loop through an in-memory channel and a fake clock: report → case → worker → resident → figures."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from aiohttp import web

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from bot.channels.wecom import WeComWebhook
from tests.conftest import Harness


def worker_of(chat, group: str | None = None, channel: str = "qq") -> dict:
    grid = chat.bot.db.execute("SELECT grid FROM groups WHERE channel = ? AND group_id = ?",
                               [channel, group or chat.group]).fetchone()[0]
    return next(iter(chat.bot.db.query("SELECT * FROM people WHERE kind = 'worker' AND grid = ? AND channel = ?",
                                       [grid, channel])))


def private(chat, person: dict, text: str) -> list:
    return chat.say(text, group=None, user=person["user_id"], name=person["name"])


def reported_by(chat, user: str) -> dict:
    return next(iter(chat.bot.db.query("SELECT c.* FROM cases c JOIN case_reporters r ON r.case_id = c.id "
                                       "WHERE r.user_id = ?", [user])))


def only_case(chat) -> dict:
    rows = list(chat.bot.db.query("SELECT * FROM cases"))
    assert len(rows) == 1
    return rows[0]


def test_whole_loop_from_report_to_rating_and_figures(chat, clock):
    asked = chat.say("楼下垃圾堆了好几天没人清，臭得要命", mention=True)
    assert "具体在哪里" in asked[0].text and chat.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    # Another resident talks in between: the follow-up waits for the reporter only.
    assert chat.say("今天天气不错", user="555", name="路人") == []
    filed = chat.say("6栋2单元门口", mention=True)
    case = only_case(chat)
    assert case["location"] == "6栋2单元门口" and case["category"] == "sanitation" and case["state"] == "assigned"
    group_reply = next(s for s in filed if s.kind == "group")
    assert case["id"] in group_reply.text and group_reply.mention_user_id == "30003000"
    worker = worker_of(chat)
    notices = [s for s in filed if s.kind == "private"]
    assert [n.target for n in notices] == [worker["user_id"]]

    reply = private(chat, worker, f"接单 {case['id']}")
    assert "已接单" in reply[0].text and only_case(chat)["state"] == "in_progress"
    clock.advance(hours=5)
    reply = private(chat, worker, f"办结 {case['id']} 已联系环卫清运，并加装了垃圾桶")
    assert "已办结" in reply[0].text
    told = [s for s in chat.channel.sent if s.kind == "group" and "已办结" in s.text]
    assert told and told[-1].mention_user_id == "30003000" and "加装了垃圾桶" in told[-1].text
    thanks = chat.say("满意")
    assert "感谢您的评价" in thanks[0].text
    final = only_case(chat)
    assert final["state"] == "closed" and final["rating"] == "satisfied"
    events = [e["action"] for e in chat.bot.db.query("SELECT action FROM case_events WHERE case_id = ? ORDER BY id", [case["id"]])]
    assert events == ["accepted", "assigned", "in_progress", "resolved", "closed"]
    figures = chat.bot.stats.compute()
    assert figures["cases"] == 1 and figures["closure_rate"] == 1.0
    assert figures["on_time_rate"] == 1.0 and figures["satisfaction_rate"] == 1.0


def test_no_answer_to_where_files_with_location_to_be_checked(chat, clock):
    chat.say("路灯坏了好几天了一直不亮", mention=True)
    clock.advance(minutes=11)
    chat.bot.tick()
    asyncio.run(chat.bot.deliver())
    case = only_case(chat)
    assert case["location"] == "位置待核实"
    assert any(case["id"] in s.text for s in chat.channel.sent if s.kind == "group")


def test_the_same_problem_again_joins_the_open_case(chat):
    chat.say("3栋门口的井盖坏了，晚上很危险", mention=True)
    merged = chat.say("3栋门口那个井盖还是坏的，差点摔倒", mention=True, user="777", name="李叔")
    case = only_case(chat)
    reporters = list(chat.bot.db.query("SELECT user_id FROM case_reporters WHERE case_id = ?", [case["id"]]))
    assert len(reporters) == 2
    to_group = [s.text for s in merged if s.kind == "group"]
    assert len(to_group) == 1 and "已合并" in to_group[0] and case["id"] in to_group[0]
    # The worker hears of the new reporter briefly, not of a second case.
    assert [s.text[:6] for s in merged if s.kind == "private"] == ["【事项补充】"]


def test_a_worker_cannot_act_on_another_grids_case(chat):
    chat.say("5栋楼道的灯坏了好几天了没人修", mention=True)
    case = only_case(chat)
    other = next(iter(chat.bot.db.query(
        "SELECT * FROM people WHERE kind = 'worker' AND channel = 'qq' AND grid != ? LIMIT 1", [case["grid"]])))
    reply = private(chat, other, f"办结 {case['id']} 已处理")
    assert "不属于您负责的网格" in reply[0].text
    assert only_case(chat)["state"] == "assigned"


def test_an_overlong_note_in_chat_is_refused(chat):
    chat.say("楼下垃圾堆了好几天没人清，臭得要命", mention=True)
    chat.say("6栋2单元门口", mention=True)
    case, worker = only_case(chat), worker_of(chat)
    for verb in ("办结", "退回"):
        reply = private(chat, worker, f"{verb} {case['id']} " + "已处理。" * 1000)
        assert "最多 300 个字" in reply[0].text and len(reply) == 1
    assert only_case(chat)["state"] == "assigned"
    assert not [s for s in chat.channel.sent if s.kind == "group" and "已办结" in s.text]


def test_malformed_and_unknown_commands_get_a_usage_hint(chat):
    worker = worker_of(chat)
    assert "用法：办结 事项编号 处理说明" in private(chat, worker, "办结")[0].text
    assert "缺少处理说明" in private(chat, worker, "办结 SF-20261126-0001")[0].text
    assert "没有编号为" in private(chat, worker, "接单 SF-20261126-0099")[0].text
    assert "未办结" in private(chat, worker, "我的事项")[0].text
    # A resident typing a worker's command is just chatting.
    assert chat.say("接单 12") == []


def test_unsatisfied_rating_reopens_and_alerts_the_community(chat):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    case = only_case(chat)
    worker = worker_of(chat)
    private(chat, worker, f"办结 {case['id']} 已更换灯泡")
    sent = chat.say("不满意")
    assert "重新打开" in sent[0].text
    reopened = only_case(chat)
    assert reopened["state"] == "assigned" and reopened["reopened"] == 1 and reopened["resolved_at"] is None
    contacts = {r["user_id"] for r in chat.bot.db.query(
        "SELECT user_id FROM people WHERE kind = 'contact' AND community = ?", [case["community"]])}
    assert any(s.target in contacts and "重办" in s.text for s in sent if s.kind == "private")


def test_residents_follow_their_cases(chat):
    chat.say("9栋楼顶有人私搭乱建，又搭了一间彩钢板房", mention=True)
    case = only_case(chat)
    progress = chat.say("我的进度")
    assert case["id"] in progress[0].text and "已派遣" in progress[0].text
    assert case["id"] in chat.say(f"查询 {case['id']}")[0].text
    assert "没有找到" in chat.say(f"查询 {case['id']}", user="888", name="别人")[0].text


def test_reminder_before_the_limit_and_escalation_after_it(chat, clock):
    chat.say("4栋楼道里堆满了电动车在充电，太危险了", mention=True)  # safety hazard: 24 hours
    case = only_case(chat)
    worker = worker_of(chat)
    clock.advance(hours=21)
    chat.bot.tick()
    asyncio.run(chat.bot.deliver())
    assert any(s.target == worker["user_id"] and "即将到期" in s.text for s in chat.channel.sent)
    clock.advance(hours=4)
    chat.bot.tick()
    chat.bot.tick()  # escalation is sent once
    asyncio.run(chat.bot.deliver())
    overdue = [s for s in chat.channel.sent if "超期督办" in s.text]
    assert len(overdue) == len(list(chat.bot.db.query(
        "SELECT * FROM people WHERE kind = 'contact' AND community = ? AND channel = 'qq'", [case["community"]])))
    assert "overdue" in [e["action"] for e in chat.bot.db.query("SELECT action FROM case_events WHERE case_id = ?", [case["id"]])]


def test_daily_digest_lists_open_cases_oldest_first(chat, clock):
    chat.say("1栋门口垃圾堆了好几天没人清", mention=True)
    clock.advance(days=1)
    clock.current = clock.current.replace(hour=9)
    chat.say("1栋后面的路灯坏了好几天了", mention=True)
    chat.bot.tick()
    chat.bot.tick()
    asyncio.run(chat.bot.deliver())
    digests = [s for s in chat.channel.sent if "每日待办" in s.text]
    assert len(digests) == 1 and digests[0].text.count("SF-") == 2


def test_restart_between_filing_and_delivery_delivers_exactly_once(settings, clock):
    first = Bot(settings, clock=clock)
    group = next(iter(first.db.query("SELECT group_id FROM groups WHERE channel = 'qq' LIMIT 1")))["group_id"]
    from bot.messages import Incoming

    first.handle(Incoming("qq", "r-1", group, "4242", "8栋电梯坏了三天了没人修", "王阿姨", True))
    first.close()  # crash before the outbox loop ran
    second = Bot(settings, clock=clock)
    channel = MemoryChannel()
    second.add_channel(channel)
    asyncio.run(second.deliver())
    asyncio.run(second.deliver())
    private = [s for s in channel.sent if s.kind == "private"]
    assert len(private) == 1 and len([s for s in channel.sent if s.kind == "group"]) == 1
    second.close()
    third = Bot(settings, clock=clock)
    third.add_channel(channel)
    asyncio.run(third.deliver())
    assert len(channel.sent) == 2
    third.close()


async def test_wecom_webhook_is_retried_until_delivered(settings, clock):
    received: list[dict] = []
    failures = {"left": 2}

    async def robot(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.json_response({"errcode": 45009, "errmsg": "api freq out of limit"})
        received.append(await request.json())
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    app = web.Application()
    app.router.add_post("/cgi-bin/webhook/send", robot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        from dataclasses import replace

        bot = Bot(replace(settings, wecom_webhook_url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=test"), clock=clock)
        bot.add_channel(MemoryChannel())
        hook = WeComWebhook(bot.settings.wecom_webhook_url)
        bot.add_channel(hook)
        group = next(iter(bot.db.query("SELECT group_id FROM groups WHERE channel = 'qq' LIMIT 1")))["group_id"]
        from bot.messages import Incoming

        bot.handle(Incoming("qq", "w-1", group, "4343", "3栋门口排水沟堵了，脏水淌了一地好几天没人管", "赵姐", True))
        for _ in range(4):
            await bot.deliver()
            clock.advance(seconds=60)
        assert len(received) == 1
        assert received[0]["msgtype"] == "markdown" and "新网格事项" in received[0]["markdown"]["content"]
        row = next(iter(bot.db.query("SELECT * FROM outbox WHERE kind = 'webhook'")))
        assert row["state"] == "sent" and row["attempts"] == 3
        await bot.deliver()
        assert len(received) == 1
        bot.close()
    finally:
        await runner.cleanup()


def test_cases_and_stats_commands(cli, tmp_path):
    from bot.clock import Clock  # noqa: F401  (the CLI uses the real clock)

    result = cli("ask", "--json", "x")  # creates the database
    assert result.code == 0
    import sqlite3

    db = sqlite3.connect(cli.db)
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    listed = cli("cases", "list", "--json").json_lines()[0]
    assert listed == []
    stats = cli("stats", "--json").json_lines()[0]
    assert stats["cases"] == 0 and set(stats) >= {"cases", "closed", "closure_rate", "on_time_rate", "satisfaction_rate"}
    assert cli("stats", "--by", "street", "--json").json_lines()[0] == []
    missing = cli("cases", "show", "SF-20260101-0001")
    assert missing.code == 1 and "没有编号" in missing.err


def test_stats_refuses_a_date_that_is_not_yyyy_mm_dd(cli):
    for flag, value in (("--from", "2026-13-01"), ("--from", "yesterday"), ("--to", "2026-02-30"),
                        ("--to", "20261201"), ("--from", "")):
        result = cli("stats", flag, value)
        assert result.code != 0 and result.out == ""
        assert f"{flag} 的日期应写成 YYYY-MM-DD" in result.err and "Traceback" not in result.err
    assert cli("stats", "--from", "2026-11-01", "--to", "2026-12-01", "--json").json_lines()[0]["cases"] == 0


def test_a_new_question_instead_of_a_place_files_the_report_and_is_answered(chat):
    chat.say("楼下垃圾堆了好几天没人清，臭得要命", mention=True)
    sent = chat.say("对了，物业费的收费标准是怎么定的？", mention=True)
    case = only_case(chat)
    assert case["location"] == "位置待核实"
    texts = [s.text for s in sent if s.kind == "group"]
    assert any(case["id"] in t for t in texts)  # the report is filed …
    assert any("物业" in t and case["id"] not in t for t in texts)  # … and the question answered


def test_a_command_or_thanks_instead_of_a_place_is_no_location(chat):
    reports = {"我的进度": "小区门口垃圾堆了好多天没人清理，臭死了", "查询 2": "楼道里的灯坏了一个多月了没人修",
               "好的谢谢": "楼上天天半夜装修，吵得睡不着觉"}
    for user, (text, report) in enumerate(reports.items(), start=301):
        asked = chat.say(report, mention=True, user=str(user), name="居民")
        assert "具体在哪里" in asked[0].text
        sent = chat.say(text, user=str(user), name="居民")
        case = reported_by(chat, str(user))
        assert case["location"] == "位置待核实", text
        group = [s.text for s in sent if s.kind == "group"]
        assert any(case["id"] in t and "登记为网格事项" in t for t in group), text  # the report is filed at once …
        if text == "好的谢谢":  # … thanks get no answer of their own …
            assert len(group) == 1
        else:  # … and a command is answered
            assert any(case["id"] in t and "登记为网格事项" not in t for t in group), text
    # A place in few words still answers the question.
    chat.say("路边的井盖坏了好几天了，差点摔倒", mention=True, user="304", name="居民")
    chat.say("就在东门", user="304", name="居民")
    assert reported_by(chat, "304")["location"] == "东门"


@pytest.mark.parametrize("answer", ["建设路12号楼下门口，电话13812345678", "建设路１２号楼下门口，电话１３８１２３４５６７８"])
def test_the_answer_to_where_keeps_the_whole_place_and_drops_the_phone_number(chat, answer):
    asked = chat.say("我家楼下饭店油烟直排，呛得窗户都不敢开", mention=True)
    assert "具体在哪里" in asked[0].text
    filed = chat.say(answer)
    case = only_case(chat)
    assert case["location"] == "建设路12号楼下门口"
    notices = [s.text for s in filed if s.kind == "private"]
    assert notices and all("位置：建设路12号楼下门口" in n and "138" not in n and "１３８" not in n for n in notices)


def test_a_report_past_the_reply_budget_is_filed_at_once_and_acknowledged(settings, clock):
    bot = Bot(replace(settings, resident_replies_per_10min=5), clock=clock)
    channel = MemoryChannel()
    bot.add_channel(channel)
    chat = Harness(bot, channel)
    for question in ("维修资金怎么申请使用？", "业委会怎么成立？", "三供一业是什么意思？", "物业费的收费标准是怎么定的？",
                     "不动产证怎么办理？"):
        assert chat.say(question, mention=True), question
    assert chat.say("垃圾分类分哪几类？", mention=True) == []  # the budget is used up for answers …
    sent = chat.say("楼下那个垃圾桶坏了好久了，一直没人换", mention=True)
    case = only_case(chat)  # … but a report is filed at once, without asking where …
    assert case["location"] == "位置待核实"
    assert [s.mention_user_id for s in sent if s.kind == "group" and case["id"] in s.text] == ["30003000"]  # … and acknowledged
    assert chat.say("好的谢谢") == [] and only_case(chat)["location"] == "位置待核实"
    bot.close()


def test_every_notice_about_a_case_and_cases_show_name_its_location(chat, clock, cli):
    chat.say("楼下垃圾堆了好几天没人清，臭得要命", mention=True)
    filed = chat.say("就在3栋2单元门口")
    case, worker = only_case(chat), worker_of(chat)
    notices = [s.text for s in filed if s.kind == "private"]
    assert notices and all("位置：3栋2单元" in n for n in notices)
    moved = private(chat, worker, f"转派 {case['id']} 郭家塘村第1网格")
    assert any("【转派事项】" in s.text and "位置：3栋2单元" in s.text for s in moved if s.kind == "private")
    clock.current = datetime.fromisoformat(case["due_at"]) - timedelta(hours=1)
    chat.bot.tick()
    asyncio.run(chat.bot.deliver())
    assert any("即将到期" in s.text and "3栋2单元" in s.text for s in chat.channel.sent)
    shown = cli("cases", "show", case["id"], "--db", chat.bot.settings.db)
    assert shown.code == 0 and "位置：3栋2单元" in shown.out


def test_a_merged_report_adds_its_words_and_place_to_the_case_and_tells_the_worker(chat, clock):
    chat.say("路灯坏了好几天了一直不亮", mention=True)
    clock.advance(minutes=11)
    chat.bot.tick()  # no answer to "where exactly?": filed with 位置待核实
    asyncio.run(chat.bot.deliver())
    assert only_case(chat)["location"] == "位置待核实"
    merged = chat.say("5栋门口路灯坏了", mention=True, user="777", name="李叔")
    case = only_case(chat)
    assert any("已合并" in s.text for s in merged if s.kind == "group")
    assert case["location"] == "5栋"
    last = list(chat.bot.db.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case["id"]]))[-1]
    assert last["action"] == "merged" and "5栋门口路灯坏了" in last["note"]
    told = [s for s in merged if s.kind == "private"]
    assert [s.target for s in told] == [worker_of(chat)["user_id"]]
    assert case["id"] in told[0].text and "5栋门口路灯坏了" in told[0].text and "新网格事项" not in told[0].text


def test_each_reporter_is_told_in_the_group_where_they_reported(chat):
    wechat_group = chat.bot.db.execute(
        "SELECT w.group_id FROM groups w JOIN groups q ON q.grid = w.grid WHERE q.group_id = ? AND w.channel = 'wechat'",
        [chat.group]).fetchone()[0]
    chat.say("3栋门口的井盖坏了，晚上很危险", mention=True)
    merged = chat.say("3栋门口那个井盖还是坏的，差点摔倒", mention=True, user="wxid_li", name="李叔", channel="wechat",
                      group=wechat_group)
    assert [(s.channel, s.target) for s in merged if s.kind == "group"] == [("wechat", wechat_group)]
    case = only_case(chat)
    private(chat, worker_of(chat), f"办结 {case['id']} 井盖已更换")
    told = {(s.channel, s.target, s.mention_user_id) for s in chat.channel.sent if s.kind == "group" and "已办结" in s.text}
    assert told == {("qq", chat.group, "30003000"), ("wechat", wechat_group, "wxid_li")}
    thanks = chat.say("满意", user="wxid_li", name="李叔", channel="wechat", group=wechat_group)
    assert [(s.channel, s.target) for s in thanks] == [("wechat", wechat_group)] and "感谢" in thanks[0].text


def test_a_worker_asking_for_their_cases_in_a_group_gets_the_list_in_private(chat):
    chat.say("9栋楼顶有人私搭乱建，又搭了一间彩钢板房", mention=True)
    case, worker = only_case(chat), worker_of(chat)
    sent = chat.say("我的事项", user=worker["user_id"], name=worker["name"])
    to_group = [s.text for s in sent if s.kind == "group"]
    assert len(to_group) == 1 and "私信" in to_group[0] and "彩钢板房" not in to_group[0] and case["id"] not in to_group[0]
    to_worker = [s for s in sent if s.kind == "private"]
    assert [s.target for s in to_worker] == [worker["user_id"]] and case["id"] in to_worker[0].text
    assert "彩钢板房" in to_worker[0].text


def test_worker_commands_are_read_as_people_type_them_and_notes_kept_as_typed(chat):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    case, worker = only_case(chat), worker_of(chat)
    number = int(case["id"][-4:])
    assert "缺少处理说明" in private(chat, worker, f"办结 {case['id']}。")[0].text
    assert "已接单" in private(chat, worker, f"接单{chr(0xFF10 + number)}")[0].text  # a full-width digit
    note = "已更换灯泡，联系电话：８８６６；原因:线路老化"
    assert "已办结" in private(chat, worker, f"办结 {number}，{note}")[0].text
    told = [s.text for s in chat.channel.sent if s.kind == "group" and "已办结" in s.text]
    assert len(told) == 1 and note in told[0]  # Chinese (and full-width) characters as the worker typed them
    for report, form in (("8栋楼道的灯坏了好几天了没人修", "办结{}已处理"), ("6栋门口井盖坏了，晚上很危险", "办结 {}。已处理"),
                         ("3栋楼下垃圾堆了好几天没人清", "办结 {}，已处理")):
        chat.say(report, mention=True, user="909", name="邻居")
        latest = next(iter(chat.bot.db.query("SELECT id FROM cases ORDER BY id DESC LIMIT 1")))["id"]
        reply = private(chat, worker, form.format(int(latest[-4:])))[0].text
        assert "已办结" in reply, form
    assert "不能办结" in private(chat, worker, f"办结 {case['id']}。已处理")[0].text


def test_a_rating_with_a_comment_rates_the_pending_case_and_keeps_the_comment(chat):
    chat.say("2栋门口垃圾堆了好几天没人清，臭得很", mention=True)
    case, worker = only_case(chat), worker_of(chat)
    private(chat, worker, f"办结 {case['id']} 已清运")
    sent = chat.say("不满意，垃圾还是没清走")
    assert any("重新打开" in s.text for s in sent if s.kind == "group")
    reopened = only_case(chat)  # no new case filed
    assert reopened["state"] == "assigned" and reopened["rating"] == "unsatisfied"
    notes = [e["note"] for e in chat.bot.db.query("SELECT note FROM case_events WHERE case_id = ?", [case["id"]])]
    assert any("垃圾还是没清走" in n for n in notes)
    assert any(s.target == worker["user_id"] and "垃圾还是没清走" in s.text for s in sent if s.kind == "private")


def test_a_rating_with_several_cases_pending_asks_which(chat):
    worker = worker_of(chat)
    for report in ("2栋门口垃圾堆了好几天没人清，臭得很", "5栋楼道的灯坏了好几天了没人修"):
        chat.say(report, mention=True)
    ids = [r["id"] for r in chat.bot.db.query("SELECT id FROM cases ORDER BY id")]
    for case_id in ids:
        private(chat, worker, f"办结 {case_id} 已处理")
    asked = chat.say("满意，处理得很快")
    assert all(case_id in asked[0].text for case_id in ids)
    assert {r["state"] for r in chat.bot.db.query("SELECT state FROM cases")} == {"resolved"}
    assert "感谢" in chat.say(f"满意 {ids[1]}，处理得很快")[0].text
    assert [r["state"] for r in chat.bot.db.query("SELECT state FROM cases ORDER BY id")] == ["resolved", "closed"]


def test_progress_in_a_group_names_no_other_resident(chat):
    chat.say("3栋门口的井盖坏了，晚上很危险", mention=True)
    chat.say("3栋门口那个井盖还是坏的，差点摔倒", mention=True, user="777", name="郑叔")
    progress = chat.say("我的进度")[0].text
    assert only_case(chat)["id"] in progress and "郑叔" not in progress and "差点摔倒" not in progress
    assert "郑叔" not in chat.say("我的进度", user="777", name="郑叔")[0].text


def test_a_workers_list_on_demand_is_no_daily_digest_and_a_reopened_case_asks_the_worker_to_redo_it(chat):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    case, worker = only_case(chat), worker_of(chat)
    listing = private(chat, worker, "我的事项")[0].text
    assert case["id"] in listing and "每日待办" not in listing
    private(chat, worker, f"办结 {case['id']} 已更换灯泡")
    sent = chat.say("不满意")
    to_worker = [s.text for s in sent if s.kind == "private" and s.target == worker["user_id"]]
    assert len(to_worker) == 1 and "督办" not in to_worker[0] and "重新处理" in to_worker[0]
    contacts = {r["user_id"] for r in chat.bot.db.query("SELECT user_id FROM people WHERE kind = 'contact'")}
    assert all("督办" in s.text for s in sent if s.kind == "private" and s.target in contacts)


def test_stats_show_no_rate_where_nothing_was_counted(chat, cli):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    table = cli("stats", "--db", chat.bot.settings.db).out.splitlines()
    assert table[1].split()[1:] == ["1", "0", "0.0%", "—", "—"]  # nothing resolved, nothing rated


def test_practice_cases_from_the_console_simulator_are_left_out_of_the_statistics(chat, cli):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    chat.say("3栋门口排水沟堵了，脏水淌了一地好几天没人管", mention=True, channel="simulator:qq", user="5555")
    channels = sorted(r["channel"] for r in chat.bot.db.query("SELECT channel FROM cases"))
    assert channels == ["qq", "simulator:qq"]  # both filed; the practice one is tagged by its channel
    assert cli("stats", "--db", chat.bot.settings.db, "--json").json_lines()[0]["cases"] == 1
    by_grid = cli("stats", "--db", chat.bot.settings.db, "--by", "grid", "--json").json_lines()[0]
    assert sum(row["cases"] for row in by_grid) == 1


async def test_a_failing_wecom_webhook_keeps_its_key_out_of_health_log_and_outbox(settings, clock, caplog):
    url = "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=WECOM-SECRET-789"  # no https://: refused by aiohttp
    bot = Bot(replace(settings, wecom_webhook_url=url), clock=clock)
    bot.add_channel(MemoryChannel())
    hook = WeComWebhook(url)
    bot.add_channel(hook)
    group = next(iter(bot.db.query("SELECT group_id FROM groups WHERE channel = 'qq' LIMIT 1")))["group_id"]
    from bot.messages import Incoming

    bot.handle(Incoming("qq", "w-1", group, "4343", "3栋门口排水沟堵了，脏水淌了一地好几天没人管", "赵姐", True))
    await bot.deliver()
    row = next(iter(bot.db.query("SELECT * FROM outbox WHERE kind = 'webhook'")))
    assert row["state"] == "pending" and row["last_error"]
    assert hook.health()["state"] == "down"
    for seen in (row["last_error"], hook.health()["last_error"], caplog.text):
        assert "WECOM-SECRET-789" not in seen
    bot.close()
