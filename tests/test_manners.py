"""Group manners: no bot-to-bot loops, paced sending, no floods, no pasting the same answer twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.app import Bot
from bot.channels.memory import MemoryChannel
from bot.manners import SIGNATURE, split_long
from tests.conftest import Harness, plain

QUESTION = "房屋征收的补偿标准是怎么确定的？"


@pytest.fixture
def polite(settings, clock):
    """A bot with the shipped (conservative) manners, not the test defaults."""
    defaults = type(settings)()
    instance = Bot(replace(settings, group_min_interval_seconds=defaults.group_min_interval_seconds,
                           account_messages_per_minute=defaults.account_messages_per_minute,
                           resident_replies_per_10min=defaults.resident_replies_per_10min,
                           group_replies_per_10min=defaults.group_replies_per_10min,
                           repeat_answer_minutes=defaults.repeat_answer_minutes), clock=clock)
    channel = MemoryChannel()
    instance.add_channel(channel)
    yield Harness(instance, channel)
    instance.close()


def test_every_group_message_is_signed_and_signed_messages_are_never_answered(chat):
    sent = chat.say(QUESTION, mention=True)
    assert sent[0].text.endswith(SIGNATURE)
    # Another instance of this bot in the same group sees our answer: it must not answer it.
    assert chat.say(sent[0].text, user="bot-2", name="网格小助手2", mention=True) == []
    # The platform echoes our own message back without the signature: still ours.
    assert chat.say(plain(sent[0].text), user="bot-2", name="网格小助手2") == []


def test_listed_bots_are_ignored(settings, clock):
    bot = Bot(replace(settings, ignore_user_ids="99887766, 11223344"), clock=clock)
    channel = MemoryChannel()
    bot.add_channel(channel)
    harness = Harness(bot, channel)
    assert harness.say(QUESTION, mention=True, user="99887766") == []
    assert harness.say(QUESTION, mention=True, user="5555")
    bot.close()


def test_replies_to_one_group_are_paced(polite, clock):
    polite.bot.handle(polite.message(QUESTION, mention=True))
    polite.bot.handle(polite.message("物业费的收费标准是怎么定的？", mention=True, user="222"))
    asyncio.run(polite.bot.deliver())
    assert len(polite.channel.sent) == 1
    clock.advance(seconds=1)
    asyncio.run(polite.bot.deliver())
    assert len(polite.channel.sent) == 1
    clock.advance(seconds=3)
    asyncio.run(polite.bot.deliver())
    assert len(polite.channel.sent) == 2


def test_one_resident_cannot_make_the_bot_flood_the_group(polite, clock):
    questions = ["维修资金怎么申请使用？", "业委会怎么成立？", QUESTION, "三供一业是什么意思？", "物业费的收费标准是怎么定的？",
                 "不交物业费会怎么样？", "垃圾分类分哪几类？", "不动产证怎么办理？"] * 3
    for text in questions:
        polite.bot.handle(polite.message(text, mention=True))
        clock.advance(seconds=5)
    for _ in range(30):
        asyncio.run(polite.bot.deliver())
        clock.advance(seconds=5)
    to_flooder = [s for s in polite.channel.sent if s.mention_user_id == "30003000"]
    assert 1 <= len(to_flooder) <= polite.bot.settings.resident_replies_per_10min
    # Another resident is still answered.
    clock.advance(seconds=5)
    assert polite.say("三供一业是什么意思？", mention=True, user="4040", name="新邻居")


def test_the_same_answer_is_not_pasted_twice_in_a_short_time(polite, clock):
    first = polite.say(QUESTION, mention=True)
    clock.advance(seconds=30)
    second = polite.say(QUESTION, mention=True, user="333", name="另一位")
    assert len(plain(second[0].text)) < len(plain(first[0].text)) and "刚刚在群里回答过" in second[0].text
    clock.advance(minutes=15)
    third = polite.say(QUESTION, mention=True, user="444", name="第三位")
    assert plain(third[0].text) == plain(first[0].text)


def test_long_replies_are_split_at_sentence_ends():
    text = "第一句话。" * 60 + "最后一句！"
    parts = split_long(text, 100)
    assert "".join(parts) == text
    assert all(len(p) <= 100 and p.endswith(("。", "！")) for p in parts)
    assert split_long("短句。", 100) == ["短句。"]
    assert all(len(p) <= 50 for p in split_long("没" * 180, 50))


@pytest.mark.timeout(5)
def test_a_width_of_zero_or_less_still_splits_and_ends():
    for width in (0, -1):
        assert "".join(split_long("第一句话。第二句话！", width)) == "第一句话。第二句话！"


def test_an_account_budget_of_zero_still_lets_messages_out_in_time():
    from bot.manners import Governor

    governor = Governor(group_interval=0, per_minute=0, now=lambda: 100.0)
    assert governor.wait("qq", "group", "g1") == 0
    governor.sent("qq", "group", "g1")
    assert 0 < governor.wait("qq", "group", "g1") <= 60


def test_a_long_answer_goes_out_as_several_messages_in_order(settings, clock):
    bot = Bot(replace(settings, max_message_chars=60), clock=clock)
    channel = MemoryChannel()
    bot.add_channel(channel)
    sent = Harness(bot, channel).say(QUESTION, mention=True)
    assert len(sent) > 1
    assert sent[0].reply_to and all(s.reply_to is None for s in sent[1:])
    answer = next(iter(bot.db.query("SELECT answer FROM faq WHERE hits = 1")))["answer"]
    assert "".join(plain(s.text) for s in sent) == "".join(answer.split())
    bot.close()


def test_a_thousand_messages_in_a_minute_make_no_storm(polite, clock):
    """One resident floods a group with a real problem and chatter; others flood it too; another group is unaffected."""
    bot = polite.bot
    for n in range(1000):
        text = "3栋门口的井盖坏了好几天了没人修" if n % 2 else f"有没有人管管啊{n}"
        bot.handle(polite.message(text, mention=True, user="flooder" if n % 5 else f"other{n % 7}", name="刷屏者"))
        clock.advance(seconds=0.06)
    other_group = next(iter(bot.db.query("SELECT group_id FROM groups WHERE channel = 'qq' AND group_id != ? LIMIT 1",
                                         [polite.group])))["group_id"]
    bot.handle(polite.message("三供一业是什么意思？", mention=True, user="calm", name="邻居", group=other_group))
    for _ in range(120):
        asyncio.run(bot.deliver())
        clock.advance(seconds=3)
    assert bot.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1001  # all stored
    assert bot.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1  # one case for the one real problem
    to_group = [s for s in polite.channel.sent if s.kind == "group" and s.target == polite.group]
    assert len(to_group) <= bot.settings.group_replies_per_10min
    assert any(s.target == other_group for s in polite.channel.sent)  # the other group is answered


def test_one_persons_private_messages_cannot_hold_up_the_groups_replies(polite, clock):
    bot = polite.bot
    for n in range(40):
        bot.handle(polite.message(f"物业费怎么收{n}", group=None, user="31001", name="刷私信"))
    polite.bot.handle(polite.message(QUESTION, mention=True, user="31002", name="正常居民"))
    asyncio.run(bot.deliver())  # one delivery round, no time passing
    to_spammer = [s for s in polite.channel.sent if s.kind == "private" and s.target == "31001"]
    assert 1 <= len(to_spammer) <= bot.settings.resident_replies_per_10min
    assert any(s.kind == "group" and s.mention_user_id == "31002" for s in polite.channel.sent)
    # A grid worker works cases by private message: their replies are not rationed.
    worker = next(iter(bot.db.query("SELECT * FROM people WHERE kind = 'worker' AND channel = 'qq' LIMIT 1")))
    replies = []
    for _ in range(8):
        clock.advance(seconds=5)
        replies += polite.say("我的事项", group=None, user=worker["user_id"], name=worker["name"])
    assert len(replies) == 8
