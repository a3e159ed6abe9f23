"""The case board: filters, scoping by role, the timeline, actions through the case desk, the Excel export."""

from __future__ import annotations

import io
import itertools

import pytest
from markupsafe import escape

from bot.registry import find_group
from bot.web.testing import as_user, console_bot

JINPENLING_1 = ("wechat", "86429270894@chatroom")  # 金盆岭社区第1网格
XIANGHE_1 = ("wechat", "29428853256@chatroom")  # 湘河社区第1网格
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
_ids = itertools.count(1)


def file_case(bot, group, text, category="sanitation", name="张阿姨", attachments=()):
    info = find_group(bot.db, *group)
    with bot.db.atomic():
        filed = bot.cases.file(category=category, text=text, group=info, reporter_id=f"u{next(_ids)}", reporter_name=name,
                               message_id=f"case-{next(_ids)}", attachments=attachments)
    return filed.case_id


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("cases"))
    instance.ids = {
        "mine": file_case(instance, JINPENLING_1, "金盆岭小区门口垃圾三天没人清了", attachments=("https://img.example/1.jpg",)),
        "theirs": file_case(instance, XIANGHE_1, "湘河路边路灯不亮好几天了", category="public_facility"),
        "xss": file_case(instance, JINPENLING_1, f"楼道里堆满杂物{XSS}", category="safety_hazard", name=f"坏人{XSS}"),
    }
    elsewhere = instance.db.execute("SELECT g.channel, g.group_id FROM groups g JOIN grids gr ON gr.name = g.grid "
                                    "JOIN communities c ON c.name = gr.community WHERE c.street = '井龙街道' LIMIT 1").fetchone()
    instance.ids["elsewhere"] = file_case(instance, tuple(elsewhere), "井龙那边噪音扰民到半夜", category="noise")
    yield instance
    instance.close()



@pytest.fixture
async def district(bot):
    client = await as_user(bot, "district")
    yield client
    await client.close()


async def test_board_lists_open_cases_and_filters(bot, district):
    page = await district.get("/console/cases")
    assert page.status == 200 and all(case_id in page for case_id in bot.ids.values())
    page = await district.get("/console/cases?state=&category=public_facility")
    assert bot.ids["theirs"] in page and bot.ids["mine"] not in page
    page = await district.get("/console/cases?state=&street=井龙街道")
    assert bot.ids["elsewhere"] in page and bot.ids["mine"] not in page
    page = await district.get("/console/cases?state=&grid=金盆岭社区第1网格")
    assert bot.ids["mine"] in page and bot.ids["theirs"] not in page
    page = await district.get("/console/cases?state=&since=2026-11-27")
    assert bot.ids["mine"] not in page
    page = await district.get("/console/cases?state=&since=2026-11-26&until=2026-11-26")
    assert bot.ids["mine"] in page
    assert (await district.get("/console/cases?since=yesterday")).status == 400
    assert (await district.get("/console/cases?state=bogus")).status == 400


@pytest.mark.parametrize(("user", "sees", "hidden"), [
    ("street", ("mine", "theirs"), ("elsewhere",)),
    ("jinpenling", ("mine",), ("theirs", "elsewhere")),
    ("xianghe", ("theirs",), ("mine", "elsewhere")),
    ("grid1", ("mine",), ("theirs", "elsewhere")),
])
async def test_each_role_sees_only_its_own_cases(bot, user, sees, hidden):
    client = await as_user(bot, user)
    try:
        board = await client.get("/console/cases?state=")
        for key in sees:
            assert bot.ids[key] in board
            assert (await client.get(f"/console/cases/{bot.ids[key]}")).status == 200
        for key in hidden:
            assert bot.ids[key] not in board
            assert (await client.get(f"/console/cases/{bot.ids[key]}")).status == 404
            for action in ("accept", "resolve", "send_back", "transfer"):
                page = await client.post(f"/console/cases/{bot.ids[key]}/{action}", {"note": "越权", "grid": "湘河社区第1网格"})
                assert page.status == 404
        # Asking for another place in the filters does not widen the view.
        page = await client.get("/console/cases?state=&street=井龙街道")
        assert bot.ids["elsewhere"] not in page or user == "district"
        export = await client.raw_get("/console/cases/export?state=")
        sheet = _sheet(await export.read())
        ids = {row[0] for row in sheet[1:]}
        assert {bot.ids[k] for k in sees} <= ids and not ({bot.ids[k] for k in hidden} & ids)
    finally:
        await client.close()
    assert bot.cases.case_json(bot.ids["elsewhere"])["state"] == "assigned"


async def test_detail_shows_timeline_reporters_and_attachments(bot, district):
    page = await district.get(f"/console/cases/{bot.ids['mine']}")
    assert "金盆岭小区门口垃圾三天没人清了" in page and "张阿姨" in page
    assert 'href="https://img.example/1.jpg"' in page and "派遣至" in page
    assert (await district.get("/console/cases/SF-19990101-0001")).status == 404


async def test_accept_transfer_and_resolve(bot):
    case_id = file_case(bot, JINPENLING_1, "金盆岭三栋楼道灯坏了没人修", category="public_facility")
    client = await as_user(bot, "jinpenling")
    try:
        page = await client.post(f"/console/cases/{case_id}/accept")
        assert "已接单" in page and bot.cases.case_json(case_id)["state"] == "in_progress"
        page = await client.post(f"/console/cases/{case_id}/transfer", {"grid": "湘河社区第1网格"})
        assert page.status == 400 and "管辖范围" in page  # not a grid of 金盆岭社区
        page = await client.post(f"/console/cases/{case_id}/transfer", {"grid": "金盆岭社区第2网格"})
        assert "已转派" in page and bot.cases.case_json(case_id)["grid"] == "金盆岭社区第2网格"
        page = await client.post(f"/console/cases/{case_id}/resolve", {"note": ""})
        assert page.status == 400 and "处理说明" in page
        page = await client.post(f"/console/cases/{case_id}/resolve", {"note": "已更换灯泡"})
        case = bot.cases.case_json(case_id, with_events=True)
        assert case["state"] == "resolved" and case["events"][-1]["actor"] == "jinpenling"
        assert "已更换灯泡" in page and "事项已办结" in page
        page = await client.post(f"/console/cases/{case_id}/accept")
        assert page.status == 400 and "不能接单" in page
    finally:
        await client.close()


async def test_send_back_to_the_community(bot):
    case_id = file_case(bot, JINPENLING_1, "金盆岭小区有人在绿化带里搭棚子", category="illegal_building")
    client = await as_user(bot, "grid1")
    try:
        page = await client.post(f"/console/cases/{case_id}/send_back", {"note": "需要城管执法"})
        assert "已退回" in page and bot.cases.case_json(case_id)["state"] == "returned"
    finally:
        await client.close()


@pytest.mark.parametrize(("user", "called", "text"), [
    ("street", "街道管理员street", "消防通道被电动车堵死了"),
    ("jinpenling", "社区管理员jinpenling", "五栋楼顶有人私搭鸽棚"),
    ("grid1", "网格员grid1", "地下室积水漫到配电箱"),
])
async def test_the_contact_is_told_who_sent_the_case_back(bot, user, called, text):
    case_id = file_case(bot, JINPENLING_1, text, category="safety_hazard")
    client = await as_user(bot, user)
    try:
        await client.post(f"/console/cases/{case_id}/send_back", {"note": "需要多部门协调"})
    finally:
        await client.close()
    notices = [r[0] for r in bot.db.execute("SELECT text FROM outbox WHERE kind = 'private' AND text LIKE ?",
                                            [f"%事项退回】{case_id}%"])]
    assert notices and all(f"被{called}退回社区" in text for text in notices)


async def test_an_overlong_note_is_refused_and_never_floods_the_group(bot):
    case_id = file_case(bot, JINPENLING_1, "六栋门口的井盖松了踩上去晃", category="public_facility")
    queued = bot.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    client = await as_user(bot, "jinpenling")
    try:
        for action in ("send_back", "resolve"):
            page = await client.post(f"/console/cases/{case_id}/{action}", {"note": "已处理。" * 25_000})
            assert page.status == 400 and "最多 300 个字" in page, action
        assert bot.cases.case_json(case_id)["state"] == "assigned"
        assert bot.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == queued
        page = await client.post(f"/console/cases/{case_id}/resolve", {"note": "井" * 300})
        assert "已办结" in page
    finally:
        await client.close()
    told = bot.db.execute("SELECT count(*) FROM outbox WHERE kind = 'group' AND text LIKE ?", [f"%{case_id}%"]).fetchone()[0]
    assert told == 1


async def test_case_texts_and_names_are_escaped(bot, district):
    for path in (f"/console/cases/{bot.ids['xss']}", "/console/cases?state="):
        page = await district.get(path)
        assert XSS not in page.text and "<script>alert(1)" not in page.text
        assert str(escape("<script>alert(1)</script>")) in page.text


async def test_export_to_excel(bot, district):
    response = await district.raw_get("/console/cases/export?state=")
    assert response.status == 200 and ".xlsx" in response.headers["Content-Disposition"]
    rows = _sheet(await response.read())
    assert rows[0][:3] == ("编号", "状态", "类别")
    mine = next(r for r in rows if r[0] == bot.ids["mine"])
    assert mine[2] == "环境卫生" and "张阿姨" in mine[8]


async def test_excel_keeps_formula_like_text_as_text(bot, district):
    text = '=HYPERLINK("http://evil.example/","点我")'
    case_id = file_case(bot, JINPENLING_1, text, name="=1+1")
    response = await district.raw_get("/console/cases/export?state=")
    cells = next(row for row in _cells(await response.read()) if row[0].value == case_id)
    assert (cells[3].value, cells[3].data_type) == (text, "s")  # exactly what was written, and not a formula
    assert (cells[8].value, cells[8].data_type) == ("=1+1", "s")


async def test_excel_export_leaves_out_control_characters_a_chat_message_carried(bot, district):
    case_id = file_case(bot, JINPENLING_1, "楼道的灯坏了\x07\x1b[0m好几天", name="王\x00师傅")
    response = await district.raw_get("/console/cases/export?state=")
    assert response.status == 200
    cells = next(row for row in _cells(await response.read()) if row[0].value == case_id)
    assert cells[3].value == "楼道的灯坏了[0m好几天" and cells[8].value == "王师傅"


def _cells(body: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(body)).active.iter_rows())


def _sheet(body: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


async def test_a_resolve_note_from_the_console_never_shows_phone_or_id_numbers_to_the_group(bot):
    case_id = file_case(bot, JINPENLING_1, "七栋门口路灯不亮", category="public_facility")
    client = await as_user(bot, "jinpenling")
    try:
        note = "已更换灯泡，有问题请打 １３８１２３４５６７８ 或 +86 139-1234-5678，登记身份证 430203 19900101 1234"
        assert "已办结" in await client.post(f"/console/cases/{case_id}/resolve", {"note": note})
    finally:
        await client.close()
    told = bot.db.execute("SELECT text FROM outbox WHERE kind = 'group' AND text LIKE ?",
                          [f"%{case_id}%"]).fetchone()[0]
    assert "１３８****５６７８" in told and "+86 139-****-5678" in told and "430203 ******** 1234" in told
