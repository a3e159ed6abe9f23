"""The whole bot through an in-memory channel: question, complaint, chit-chat, repeats, bad input."""

from __future__ import annotations

import asyncio

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from tests.conftest import plain


def test_policy_question_is_answered_in_the_group(chat):
    sent = chat.say("房子被征收了，补偿标准是怎么定的？", mention=True)
    assert len(sent) == 1
    reply = sent[0]
    assert reply.kind == "group" and reply.target == chat.group
    assert reply.mention_user_id == "30003000" and reply.reply_to
    assert "评估" in reply.text or "市场价格" in reply.text
    hits = chat.bot.db.execute("SELECT sum(hits) FROM faq").fetchone()[0]
    assert hits == 1


def test_complaint_files_case_and_notifies_the_grid_worker(chat):
    sent = chat.say("我们5栋楼下的路灯坏了一个星期了，晚上走路看不见也没人修", mention=True)
    db = chat.bot.db
    case = next(iter(db.query("SELECT * FROM cases")))
    assert case["category"] == "public_facility"
    assert case["group_id"] == chat.group
    assert case["id"].startswith("SF-20261126-")
    group_reply = [s for s in sent if s.kind == "group"]
    private = [s for s in sent if s.kind == "private"]
    assert case["id"] in group_reply[0].text
    grid_workers = {r["user_id"] for r in db.query(
        "SELECT user_id FROM people WHERE kind = 'worker' AND channel = 'qq' AND grid = ?", [case["grid"]])}
    assert {p.target for p in private} == grid_workers
    assert all(case["id"] in p.text for p in private)
    events = [e["action"] for e in db.query("SELECT action FROM case_events WHERE case_id = ?", [case["id"]])]
    assert events == ["accepted", "assigned"]
    assert case["location"] == "5栋"
    assert db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 0


def test_chit_chat_gets_silence(chat):
    for text in ("大家早上好", "哈哈哈哈", "[红包]恭喜发财", "今天天气真不错，出去走走", "收到，谢谢"):
        assert chat.say(text) == [], text
    assert chat.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0


def test_the_same_message_id_is_handled_once(chat):
    first = chat.say("7栋门口垃圾堆了好几天没人清理，臭得很", message_id="dup-1")
    again = chat.say("7栋门口垃圾堆了好几天没人清理，臭得很", message_id="dup-1")
    assert first and again == []
    assert chat.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert chat.bot.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1


def test_phone_and_id_numbers_are_not_echoed_into_the_group(chat):
    sent = chat.say("3栋楼道里电动车充电太危险了，我电话13812345678，身份证430203198805061234", mention=True)
    group_text = " ".join(s.text for s in sent if s.kind == "group")
    assert "13812345678" not in group_text and "430203198805061234" not in group_text
    stored = chat.bot.db.execute("SELECT group_concat(text) FROM outbox WHERE kind = 'group'").fetchone()[0]
    assert "13812345678" not in stored


def test_numbers_written_with_spaces_dashes_prefixes_or_full_width_digits_are_masked_too(chat):
    chat.say("2栋门口的路灯坏了好几天一直不亮", mention=True)
    case = next(iter(chat.bot.db.query("SELECT * FROM cases")))
    worker = next(iter(chat.bot.db.query(
        "SELECT * FROM people WHERE kind = 'worker' AND grid = ? AND channel = 'qq'", [case["grid"]])))
    numbers = ["138 1234 5678", "138-1234-5678", "+8613812345678", "１３８１２３４５６７８", "430203 19900101 1234",
               "430203900101123", "0731-2288 1234"]
    note = f"已更换灯泡，联系电话 {'、'.join(numbers)}"
    told = chat.say(f"办结 {case['id']} {note}", group=None, user=worker["user_id"], name=worker["name"])
    progress = chat.say("我的进度")
    group_texts = [plain(s.text) for s in chat.channel.sent if s.kind == "group" and "已更换灯泡" in s.text]
    assert len(group_texts) == 2 and any("我的进度" not in t for t in group_texts) and progress
    for text in group_texts:
        assert not any(number in text for number in numbers), text
        assert "138 **** 5678" in text and "138-****-5678" in text and "430203 ******** 1234" in text
        assert case["id"] in text  # case numbers and dates are not numbers to hide
    assert told and not [s for s in told if s.kind == "group" and "****" not in s.text]


def test_bad_input_is_handled_without_error(chat):
    for text in ("", "   \n\t ", "😀😀😀", "\x00\x07\x1b[31m", "啊" * 100_000, "[CQ:at,qq=all] 开会"):
        chat.say(text)
        chat.say(text, mention=True)
    states = {r["state"] for r in chat.bot.db.query("SELECT DISTINCT state FROM inbox")}
    assert states == {"handled"}


def test_unregistered_group_is_recorded_and_gets_no_reply(chat):
    assert chat.say("补偿标准是怎么定的？", mention=True, group="99999999") == []
    row = next(iter(chat.bot.db.query("SELECT * FROM unknown_groups")))
    assert row["group_id"] == "99999999" and row["messages"] == 1


def test_undeliverable_reply_stays_queued_and_is_retried(chat, clock):
    chat.channel.failures_left = 1
    assert chat.say("物业费的收费标准是怎么定的？", mention=True) == []
    pending = chat.bot.db.execute("SELECT attempts, last_error FROM outbox WHERE state = 'pending'").fetchone()
    assert pending[0] == 1 and "link down" in pending[1]
    clock.advance(seconds=10)
    asyncio.run(chat.bot.deliver())
    assert len(chat.channel.sent) == 1


def test_restart_resumes_stored_but_unhandled_messages(settings, clock):
    first = Bot(settings, clock=clock)
    channel = MemoryChannel()
    msg_id = first.dispatcher.receive(
        __import__("bot.messages", fromlist=["Incoming"]).Incoming(
            "qq", "crash-1", next(iter(first.db.query("SELECT group_id FROM groups WHERE channel='qq' LIMIT 1")))["group_id"],
            "40004000", "2栋门口的路灯坏了好几天了没人修", "老李", True))
    assert msg_id  # stored, then the process "crashed" before handling it
    first.close()

    second = Bot(settings, clock=clock)
    second.add_channel(channel)
    second.dispatcher.resume()
    asyncio.run(second.deliver())
    assert second.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert any(s.kind == "group" for s in channel.sent)
    second.dispatcher.resume()  # nothing left to redo
    assert second.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    second.close()


def test_did_you_mean_choice_is_answered_by_number(chat, monkeypatch):
    from intents.classify import Thresholds

    # Force the middle band: everything between 0 and 100 is "unsure" when @-mentioned, whatever the meaning.
    chat.bot.understanding.thresholds = Thresholds(mention=101, plain=101, suggest=1, margin=0, complaint=101,
                                                   meaning=2)
    sent = chat.say("维修资金怎么用", mention=True)
    assert sent and "您是不是想问" in sent[0].text
    first_question = sent[0].text.splitlines()[1][3:]
    chat.say("²")  # passes str.isdigit() but is no number: neither a choice nor a failure
    assert chat.bot.db.execute("SELECT state FROM inbox ORDER BY id DESC LIMIT 1").fetchone()[0] == "handled"
    answer = chat.say("1")
    entry = next(iter(chat.bot.db.query("SELECT answer FROM faq WHERE question = ?", [first_question])))
    assert answer and plain(answer[0].text) == entry["answer"]
    assert chat.say("1") == []  # the offer is used up


def test_a_communitys_own_entry_is_answered_only_in_its_groups(chat):
    from bot import kb
    from knowledge.entry import FaqEntry

    db = chat.bot.db
    here = next(iter(db.query("SELECT gr.community FROM groups g JOIN grids gr ON gr.name = g.grid WHERE g.group_id = ?",
                              [chat.group])))["community"]
    other = next(iter(db.query("SELECT g.group_id FROM groups g JOIN grids gr ON gr.name = g.grid "
                               "WHERE gr.community != ? AND g.channel = 'qq' LIMIT 1", [here])))["group_id"]
    entry = FaqEntry("local-1", "本社区", "社区的乒乓球室几点开放？", ("乒乓球室开放时间", "乒乓球室什么时候开门", "打乒乓球的活动室几点开"),
                     ("乒乓球室",), "乒乓球室每天 8:00–20:00 开放。")
    kb.save_entry(db, entry, "test", chat.bot.clock.iso())
    db.execute("UPDATE faq SET owner = ? WHERE id = 'local-1'", [here])
    chat.bot.reload_kb()
    assert "8:00" in plain(chat.say("乒乓球室几点开放？", mention=True)[0].text)
    elsewhere = chat.say("乒乓球室几点开放？", mention=True, group=other)
    assert not elsewhere or "8:00" not in plain(elsewhere[0].text)


def test_metrics_count_messages_by_outcome(chat):
    chat.say("房屋征收的补偿标准是怎么确定的？", mention=True)
    chat.say("5栋门口的路灯坏了好几天没人修", mention=True)
    chat.say("大家早上好")
    text = chat.bot.metrics.render()
    assert "gridbot_messages_total 3" in text
    assert "gridbot_handled_faq_total 1" in text and "gridbot_handled_complaint_total 1" in text
    assert "gridbot_open_cases 1" in text and "gridbot_outbox_backlog 0" in text
    assert "gridbot_handle_seconds_count 3" in text


async def test_the_bot_readies_sentence_meaning_in_the_background(bot, tmp_path):
    import sqlite3

    from intents.meaning import Meaning

    cache = tmp_path / "vectors.sqlite"
    bot.understanding.meaning = Meaning(cache=cache)
    phrasings = {p for e in bot.understanding.index.entries for p in (e.question, *e.similar)}
    stop = asyncio.Event()
    warming = asyncio.create_task(bot.warm_meaning(stop))
    stored = 0
    for _ in range(600):  # the loop stays free to answer while the thread encodes
        assert bot.understanding.classify("物业费怎么交", mentioned=True).faq is not None
        await asyncio.sleep(0.1)
        with sqlite3.connect(cache) as db:
            stored = db.execute("SELECT count(*) FROM vectors").fetchone()[0] if db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'vectors'").fetchone() else 0
        if stored == len(phrasings):
            break
    stop.set()
    await warming
    assert stored == len(phrasings)
    # A later start finds every vector on disk, and still has the model ready before the first unsure question.
    from intents.meaning import SentenceEncoder

    bot.understanding.meaning = Meaning(SentenceEncoder(), cache=cache)
    assert bot.understanding.warm() == 0 and bot.understanding.meaning.encoder.ready


def test_a_complaint_in_private_chat_is_pointed_to_the_grid_group(chat):
    sent = chat.say("我家楼下的路灯坏了好几天了，晚上黑漆漆的没人修", group=None, user="55501", name="王姐")
    assert [s.kind for s in sent] == ["private"] and "网格群" in sent[0].text and "请直接说出您的问题" not in sent[0].text
    # A resident the bot has seen in a group is told which group and who its worker is.
    chat.say("大家早上好", user="55502", name="刘叔")
    sent = chat.say("我家楼下的路灯坏了好几天了，晚上黑漆漆的没人修", group=None, user="55502", name="刘叔")
    group = next(iter(chat.bot.db.query("SELECT name, grid FROM groups WHERE group_id = ?", [chat.group])))
    worker = next(iter(chat.bot.db.query("SELECT name FROM people WHERE kind = 'worker' AND grid = ?", [group["grid"]])))
    assert group["name"] in sent[0].text and worker["name"] in sent[0].text
    assert chat.bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
