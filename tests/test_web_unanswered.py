"""Unanswered questions: grouped by similarity; a group becomes a new entry or phrasings of an existing one."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import kb, unanswered
from bot.app import Bot
from bot.clock import FakeClock
from bot.config import Settings
from bot.web.testing import add_test_users, as_user
from bot.web.views_unanswered import grouped, words_of

JINPENLING = ("wechat", "86429270894@chatroom")
XIANGHE = ("wechat", "29428853256@chatroom")
XSS = '<script>alert(1)</script>'


def ask(bot, group, text, at="2026-11-26T09:00:00", best=None):
    return bot.db["unanswered"].insert({"channel": group[0], "group_id": group[1], "user_id": "u1", "text": text,
                                        "mentioned": 1, "best_faq_id": best, "best_score": 10.0, "at": at}).last_pk


@pytest.fixture(scope="module")
def shared_bot(tmp_path_factory):
    instance = Bot(Settings(db=str(tmp_path_factory.mktemp("unanswered") / "bot.db")),
                   clock=FakeClock(datetime(2026, 11, 26, 9, 30)))
    add_test_users(instance.db)
    yield instance
    instance.close()


@pytest.fixture
def bot(shared_bot):
    """One bot for the module (building its matcher is slow); each test starts with no open questions."""
    shared_bot.db.execute("UPDATE unanswered SET resolved = 1")
    return shared_bot



def test_similar_questions_are_grouped(bot):
    for text in ("小区停车费怎么收的", "小区停车费咋收", "停车费怎么收", "电动车能不能在楼道充电"):
        ask(bot, JINPENLING, text)
    groups = grouped(bot, None)
    assert [g.count for g in groups] == [3, 1]
    assert "停车费" in groups[0].question and groups[0].places.most_common(1)[0][0].startswith("金盆岭")
    assert words_of(bot)("小区停车费咋收")  # the bot's own segmentation is used


def test_resolve_marks_only_open_rows(bot):
    ids = [ask(bot, JINPENLING, "物业费能不能不交")]
    assert unanswered.resolve(bot.db, ids, "me", "2026-11-26T10:00:00", "wy-001") == 1
    assert unanswered.resolve(bot.db, ids, "me", "2026-11-26T10:00:00", "wy-001") == 0
    assert unanswered.open_questions(bot.db) == []


async def test_grid_worker_sees_the_questions_but_cannot_settle_them(bot):
    ids = [ask(bot, JINPENLING, "网格里的公共充电桩坏了找谁修")]
    client = await as_user(bot, "grid1")
    try:
        page = await client.get("/console/unanswered")
        assert "网格里的公共充电桩坏了找谁修" in page and "/console/unanswered/dismiss" not in page
        assert "/console/kb/new?unanswered" not in page
        for path in ("/console/unanswered/dismiss", "/console/unanswered/attach"):
            page = await client.post(path, {"ids": ",".join(map(str, ids)), "faq_id": "zs-001"})
            assert page.status == 403 and "网格员账号只能查看知识库" in page
    finally:
        await client.close()
    assert [r["id"] for r in unanswered.open_questions(bot.db)] == ids


async def test_a_group_becomes_similar_phrasings_of_an_entry(bot):
    ids = [ask(bot, JINPENLING, "征收的房子按啥价钱赔"), ask(bot, JINPENLING, "征收房子按啥价钱赔偿")]
    client = await as_user(bot, "district")
    try:
        page = await client.get("/console/unanswered")
        assert "征收的房子按啥价钱赔" in page and "2 次" in page
        page = await client.post("/console/unanswered/attach", {"ids": ",".join(map(str, ids)), "faq_id": "zs-001"})
        assert "已把 2 条问法加入 zs-001" in page
        assert "征收的房子按啥价钱赔" in kb.get_entry(bot.db, "zs-001").similar
        assert unanswered.open_questions(bot.db) == []
        assert kb.versions(bot.db, "zs-001")[0]["action"] == "similar"
    finally:
        await client.close()


async def test_a_group_becomes_a_new_entry(bot):
    ids = [ask(bot, JINPENLING, "社区有没有老年食堂"), ask(bot, JINPENLING, "社区老年食堂在哪")]
    client = await as_user(bot, "jinpenling")
    try:
        page = await client.get(f"/console/kb/new?unanswered={ids[0]},{ids[1]}")
        assert "社区有没有老年食堂" in page and "社区老年食堂在哪" in page
        page = await client.post("/console/kb/new", {
            "id": "jpl-100", "category": "网格服务", "question": "社区有没有老年食堂", "similar": "社区老年食堂在哪",
            "keywords": "老年食堂", "answer": "金盆岭社区老年食堂在服务中心一楼，午餐 11:00-12:30。", "owner": "金盆岭社区",
            "unanswered": f"{ids[0]},{ids[1]}"})
        assert page.url.endswith("/console/kb/entry/jpl-100")
        assert unanswered.open_questions(bot.db) == []
        assert bot.dispatcher.preview("老年食堂在哪里", True).decision.faq.id == "jpl-100"
    finally:
        await client.close()


async def test_scoping_of_unanswered(bot):
    mine = ask(bot, JINPENLING, "金盆岭这边哪里可以办居住证")
    theirs = ask(bot, XIANGHE, f"湘河这边哪里打疫苗{XSS}")
    client = await as_user(bot, "jinpenling")
    try:
        page = await client.get("/console/unanswered")
        assert "金盆岭这边哪里可以办居住证" in page and "湘河这边" not in page
        # Posting another community's ids does nothing to them.
        await client.post("/console/unanswered/dismiss", {"ids": f"{theirs}"})
        assert [r["id"] for r in unanswered.open_questions(bot.db)] == [theirs, mine] or \
            {r["id"] for r in unanswered.open_questions(bot.db)} == {mine, theirs}
        page = await client.post("/console/unanswered/attach", {"ids": f"{theirs}", "faq_id": "zs-001"})
        assert page.status == 403  # zs-001 is district-wide: not theirs to edit
        await client.post("/console/unanswered/dismiss", {"ids": f"{mine}"})
        assert [r["id"] for r in unanswered.open_questions(bot.db)] == [theirs]
    finally:
        await client.close()
    district = await as_user(bot, "district")
    try:
        page = await district.get("/console/unanswered")
        assert XSS not in page.text and "&lt;script&gt;" in page.text
    finally:
        await district.close()
