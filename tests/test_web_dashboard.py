"""The dashboard: rates from the same statistics as `stats`, scoped charts, assets served locally."""

from __future__ import annotations

import json
import re

import pytest

from bot import kb
from bot.casework import Actor
from bot.registry import find_group
from bot.web.render import TEMPLATE_DIR
from bot.web.testing import console_bot, open_console
from knowledge.entry import FaqEntry


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("dash"))
    filed = []
    for i, (group, category) in enumerate([(("wechat", "86429270894@chatroom"), "sanitation"),
                                           (("wechat", "86429270894@chatroom"), "noise"),
                                           (("wechat", "29428853256@chatroom"), "cooking_fumes")]):
        with instance.db.atomic():
            filed.append(instance.cases.file(category=category, text=f"第{i}件不同的事情{category}", reporter_id=f"u{i}",
                                             group=find_group(instance.db, *group), reporter_name="居民", message_id=f"m{i}"))
    instance.cases.resolve(filed[0].case_id, Actor("admin", "admin"), "已处理")
    instance.db.execute("UPDATE faq SET hits = 42 WHERE id = 'zs-001'")
    own = FaqEntry("jpl-060", "网格服务", "金盆岭社区活动室怎么预约", (), (), "到社区服务站登记预约。")
    kb.save_entry(instance.db, own, "jinpenling", "2026-11-26T09:00:00", owner="金盆岭社区")
    instance.db.execute("UPDATE faq SET hits = 7 WHERE id = 'jpl-060'")
    instance.db["unanswered"].insert({"channel": "wechat", "group_id": "86429270894@chatroom", "user_id": "u", "text": "社区食堂几点开门",
                                      "mentioned": 1, "at": "2026-11-26T09:00:00"})
    yield instance
    instance.close()


async def page_for(bot, user, path="/console/"):
    client = await open_console(bot)
    try:
        await client.login(user)
        return await client.get(path)
    finally:
        await client.close()


def chart_data(page) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page.text, re.S).group(1))


async def test_district_dashboard(bot):
    page = await page_for(bot, "district")
    assert page.status == 200
    figures = bot.stats.compute("2026-10-28", None)
    assert f"<b>{figures['cases']}</b>" in page and "33.3%" in page  # 1 of 3 closed
    data = chart_data(page)
    assert {s["name"] for s in data["category"]["series"]} == {"环境卫生", "噪音扰民", "油烟污染"}
    assert data["place"]["series"][0]["name"] == "清水塘街道" and data["place"]["series"][0]["data"][-1] == 3
    assert "金盆岭社区第1网格" in page and "房屋被征收后" in page and "社区食堂几点开门" in page


async def test_community_dashboard_counts_only_its_own(bot):
    page = await page_for(bot, "xianghe")
    assert "<b>1</b>" in page and "0.0%" in page
    data = chart_data(page)
    assert [s["name"] for s in data["category"]["series"]] == ["油烟污染"]
    assert "金盆岭社区第1网格" not in page and "社区食堂几点开门" not in page
    page = await page_for(bot, "street", "/console/?days=90")
    assert "<b>3</b>" in page and chart_data(page)["place"]["weekly"]


@pytest.mark.parametrize(("user", "sees"), [("district", True), ("street", True), ("jinpenling", True),
                                             ("xianghe", False)])
async def test_most_asked_lists_only_entries_the_user_may_see(bot, user, sees):
    page = await page_for(bot, user)
    assert "房屋被征收后" in page  # a district-wide entry: everyone's
    assert ("金盆岭社区活动室怎么预约" in page) == sees


async def test_charts_and_every_asset_are_local(bot):
    page = await page_for(bot, "district")
    assert '<script src="/console/static/echarts/echarts.min.js">' in page
    client = await open_console(bot)
    try:
        for asset in ("/console/static/echarts/echarts.min.js", "/console/static/console.css", "/console/static/dashboard.js",
                      "/console/static/simulator.js", "/console/static/echarts/LICENSE"):
            assert (await client.raw_get(asset)).status == 200, asset
    finally:
        await client.close()
    for template in TEMPLATE_DIR.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), template.name


async def test_a_rate_with_nothing_to_count_shows_a_dash(bot):
    page = await page_for(bot, "xianghe")  # one case, not resolved, not rated
    assert "<b>—</b><span>按时办结率" in page.text and "<b>—</b><span>满意率" in page.text
    assert "<b>0.0%</b><span>办结率" in page.text


async def test_practice_cases_from_the_simulator_are_in_no_figure_of_the_dashboard(tmp_path):
    from dataclasses import replace

    instance = console_bot(tmp_path)
    try:
        group = find_group(instance.db, "wechat", "86429270894@chatroom")
        with instance.db.atomic():
            instance.cases.file(category="noise", text="真的一件事", reporter_id="u1", group=group, reporter_name="居民",
                                message_id="r1")
            instance.cases.file(category="sanitation", text="演练的一件事", reporter_id="u2", reporter_name="居民",
                                group=replace(group, channel="simulator:wechat"), message_id="s1")
        page = await page_for(instance, "district")
        data = chart_data(page)
        assert [s["name"] for s in data["category"]["series"]] == ["噪音扰民"]  # no 环境卫生: that one was practice
        assert sum(sum(s["data"]) for s in data["place"]["series"]) == 1
        assert f">{group.grid}</a></td><td>1</td>" in page.text  # the busiest grids: one case there, not two
        assert "<b>1</b>" in page
    finally:
        instance.close()
