"""Hostile and malformed input: nothing a resident types can crash the bot or leak into a group as code."""

from __future__ import annotations

import asyncio
import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from intents.commands import parse
from tests.conftest import plain

chinese = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
anything = st.text(alphabet=st.one_of(st.characters(), chinese, st.sampled_from("[]@&#,=:;CQ")), max_size=300)
cq_like = st.builds(lambda kind, arg: f"[CQ:{kind},{arg}]",
                    st.sampled_from(["at", "image", "face", "reply", "record", "share"]),
                    st.text(alphabet=string.ascii_letters + string.digits + "=,&#;", max_size=30))
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(text=anything, mention=st.booleans())
def test_classifying_any_text_never_fails(bot, text, mention):
    decision = bot.understanding.classify(text, mention)
    assert decision.intent in ("faq", "complaint", "none")
    assert 0 <= decision.score <= 100


@SLOW
@given(text=st.one_of(anything, cq_like, st.lists(st.one_of(cq_like, anything), max_size=4).map("".join)),
       mention=st.booleans())
@example(text="\ud800 路灯坏了\udfff", mention=True)  # lone surrogates, as a JSON "\ud800" escape delivers them
def test_any_message_is_handled_and_stored(chat, text, mention):
    before = chat.bot.db.execute("SELECT count(*) FROM inbox").fetchone()[0]
    chat.bot.handle(chat.message(text, mention=mention))
    asyncio.run(chat.bot.deliver())
    assert chat.bot.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == before + 1
    assert chat.bot.db.execute("SELECT count(*) FROM inbox WHERE state != 'handled'").fetchone()[0] == 0


@SLOW
@given(text=anything)
def test_command_parsing_never_fails(text):
    command = parse(text)
    assert command is None or command.verb


def test_resident_text_is_never_echoed_into_a_group(chat):
    """Whatever a resident writes, group replies are our own sentences: no CQ code, markup or numbers of theirs."""
    hostile = ["[CQ:at,qq=all] 物业费怎么交？", "<script>alert(1)</script>维修资金怎么用", "@全体成员 补偿标准是多少",
               "我的电话13912345678，3栋路灯坏了好几天了", "[CQ:image,file=http://evil/x.jpg]业委会怎么成立"]
    for text in hostile:
        chat.say(text, mention=True)
    group_text = " ".join(plain(s.text) for s in chat.channel.sent if s.kind == "group")
    assert "[CQ:" not in group_text and "<script>" not in group_text and "13912345678" not in group_text
