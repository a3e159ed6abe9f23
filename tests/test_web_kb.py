"""The knowledge-base editor: edits reach the running bot at once, every save is a version, roles are enforced."""

from __future__ import annotations

import html
import json
import re

import pytest
from markupsafe import escape

from bot import kb
from bot.web.testing import as_user, console_bot, open_console

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
DOG = {"id": "dog-001", "category": "网格服务", "question": "养狗需要办养犬证吗？", "similar": "养狗要不要登记\n狗证去哪办",
       "keywords": "养犬证\n养狗", "answer": "养犬需到辖区派出所办理养犬登记证，每年年检一次。", "owner": ""}


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("kb"))
    yield instance
    instance.close()


@pytest.fixture
async def console(bot):
    client = await open_console(bot)
    await client.login("district")
    yield client
    await client.close()



async def import_file(console, name: str, content: str | bytes, **fields: str):
    """Upload a file for the import preview, then confirm it as the preview's button does."""
    return await confirm(console, await preview(console, name, content, **fields))


async def preview(console, name: str, content: str | bytes, **fields: str):
    await console.get("/console/kb/import")
    page = await console.post_file("/console/kb/import", name, content, fields)
    assert page.status == 200, page.text
    return page


async def confirm(console, preview_page):
    """Send the preview page's confirm form as the browser would."""
    form = preview_page.text.split('action="/console/kb/import/confirm"')[1].split("</form>")[0]
    fields = {html.unescape(name): html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
    return await console.post("/console/kb/import/confirm", fields)


def answer_for(bot, text, mention=True):
    plan = bot.dispatcher.preview(text, mention)
    return plan.decision.faq.id if plan.decision.faq else None


async def test_list_search_and_filter(console):
    page = await console.get("/console/kb")
    assert page.status == 200 and "zs-001" in page and "lj-001" in page
    page = await console.get("/console/kb?q=垃圾")
    assert "lj-001" in page and "zs-001" not in page
    page = await console.get("/console/kb?category=房屋征收")
    assert "zs-001" in page and "lj-001" not in page


async def test_a_new_entry_is_answered_at_once_and_versioned(bot, console):
    assert answer_for(bot, "养狗要办养犬证吗") != "dog-001"
    page = await console.post("/console/kb/new", DOG)
    assert page.status == 200 and page.url.endswith("/console/kb/entry/dog-001") and "机器人已开始使用" in page
    assert answer_for(bot, "养狗要办养犬证吗") == "dog-001"
    assert kb.versions(bot.db, "dog-001")[0]["author"] == "district"

    changed = dict(DOG, answer="养犬需到派出所办理登记，并为犬只接种狂犬疫苗。", version="1")
    page = await console.post("/console/kb/entry/dog-001", changed)
    assert "已保存" in page and bot.dispatcher.preview("养狗要办养犬证吗", True).reply.startswith("养犬需到派出所")
    history = await console.get("/console/kb/entry/dog-001/history")
    assert "第 2 版" in history and "狂犬疫苗" in history and 'class="ddel"' in history and 'class="dadd"' in history

    page = await console.post("/console/kb/entry/dog-001/revert", {"version": "1"})
    assert "已恢复到第 1 版" in page and "每年年检" in bot.dispatcher.preview("养狗要办养犬证吗", True).reply
    assert kb.entry_row(bot.db, "dog-001")["version"] == 3


async def test_a_stale_form_does_not_overwrite_a_newer_save(bot, console):
    await console.post("/console/kb/new", dict(DOG, id="dog-002", question="狗证年检去哪"))
    page = await console.post("/console/kb/entry/dog-002", dict(DOG, answer="旧表单的内容", version="0"))
    assert page.status == 400 and "已被他人修改" in page
    assert kb.get_entry(bot.db, "dog-002").answer == DOG["answer"]


async def test_form_errors_are_shown_and_nothing_is_written(bot, console):
    page = await console.post("/console/kb/new", dict(DOG, id="bad id!", answer=""))
    assert page.status == 400 and "不合规" in page and "不能为空" in page
    assert kb.entry_row(bot.db, "bad id!") is None
    page = await console.post("/console/kb/new", dict(DOG, id="zs-001"))
    assert page.status == 400 and "已被使用" in page
    page = await console.post("/console/kb/new", dict(DOG, id="dog-009", owner="不存在的社区"))
    assert page.status == 400 and "没有名为" in page


async def test_disable_enable_and_delete(bot, console):
    question = "垃圾分类几点投放"
    first = answer_for(bot, question)
    assert first is not None
    await console.post(f"/console/kb/entry/{first}/disable")
    assert answer_for(bot, question) != first
    assert "已停用" in await console.get("/console/kb?state=off")
    # Saving a disabled entry keeps it disabled.
    row = kb.entry_row(bot.db, first)
    await console.post(f"/console/kb/entry/{first}", dict(
        DOG, id=first, category=row["category"], question=row["question"], similar="\n".join(row["similar"]),
        keywords="\n".join(row["keywords"]), answer=row["answer"], version=str(row["version"])))
    assert kb.entry_row(bot.db, first)["enabled"] == 0
    await console.post(f"/console/kb/entry/{first}/enable")
    assert answer_for(bot, question) == first

    await console.post("/console/kb/new", dict(DOG, id="tmp-001", question="临时条目的问题是什么"))
    page = await console.post("/console/kb/entry/tmp-001/delete")
    assert "已删除" in page and kb.entry_row(bot.db, "tmp-001") is None
    assert (await console.get("/console/kb/entry/tmp-001")).status == 404
    history = await console.get("/console/kb/entry/tmp-001/history")
    assert history.status == 200 and "已删除" in history
    await console.post("/console/kb/entry/tmp-001/revert", {"version": "1"})
    assert kb.entry_row(bot.db, "tmp-001") is not None


async def test_a_restored_entry_keeps_its_owner_and_numbers_its_versions_on(bot, console):
    mine, neighbour = await as_user(bot, "jinpenling"), await as_user(bot, "xianghe")
    library = dict(DOG, id="jpl-002", question="金盆岭社区图书室几点开门", similar="", keywords="图书室",
                   answer="图书室每天 9:00-17:00 开放。", owner="金盆岭社区")
    try:
        await mine.post("/console/kb/new", library)
        await mine.post("/console/kb/entry/jpl-002", dict(library, answer="图书室每天 9:00-18:00 开放。", version="1"))
        await mine.post("/console/kb/entry/jpl-002/delete")
        page = await console.post("/console/kb/entry/jpl-002/revert", {"version": "1"})
        assert "已恢复到第 1 版（保存为第 4 版）" in page
        assert kb.entry_row(bot.db, "jpl-002")["owner"] == "金盆岭社区"
        assert (await neighbour.get("/console/kb/entry/jpl-002")).status == 404
        page = await mine.post("/console/kb/entry/jpl-002", dict(library, answer="图书室周一闭馆。", version="4"))
        assert "已保存" in page

        history = await console.get("/console/kb/entry/jpl-002/history")
        assert [history.text.count(f"<b>第 {n} 版</b>") for n in range(1, 6)] == [1, 1, 1, 1, 1]
        page = await console.post("/console/kb/entry/jpl-002/revert", {"version": "2"})
        assert "保存为第 6 版" in page and kb.get_entry(bot.db, "jpl-002").answer == "图书室每天 9:00-18:00 开放。"

        # Importing a file that holds a deleted entry restores it the same way.
        await mine.post("/console/kb/entry/jpl-002/delete")
        await import_file(console, "back.json", json.dumps([kb.version_entry(bot.db, "jpl-002", 1).as_dict()],
                                                           ensure_ascii=False))
        row = kb.entry_row(bot.db, "jpl-002")
        assert row["owner"] == "金盆岭社区" and row["version"] == 8 and row["answer"] == "图书室每天 9:00-17:00 开放。"
    finally:
        await mine.close()
        await neighbour.close()


async def test_hit_test_shows_candidates_decision_and_reply(console):
    page = await console.get("/console/kb/test?q=征收补偿标准怎么定的")
    assert page.status == 200
    assert page.text.count('class="card result"') == 2 and "@网格小助手 时" in page and "不 @ 时" in page
    assert "zs-001" in page and "回答知识库" in page and "国有土地上房屋征收与补偿条例" in page
    page = await console.get("/console/kb/test?q=今天天气不错")
    assert "不处理" in page and "（不回复）" in page
    page = await console.get("/console/kb/test?q=楼下饭店油烟直排")
    assert "登记网格事项" in page and "油烟" in page
    assert (await console.get("/console/kb/test?q=hi&group=qq:000")).status == 404


@pytest.mark.parametrize("payload", XSS)
async def test_answers_are_shown_escaped(bot, console, payload):
    faq_id = f"xss-{XSS.index(payload)}"
    await console.post("/console/kb/new", dict(DOG, id=faq_id, question=f"测试问题{payload}", answer=f"答案{payload}"))
    for path in (f"/console/kb/entry/{faq_id}", f"/console/kb/entry/{faq_id}/history", "/console/kb",
                 "/console/kb/test?q=" + payload):
        page = await console.get(path)
        assert payload not in page.text, path
        assert str(escape(payload)) in page.text, path


async def test_community_admin_edits_only_its_own_entries(bot, console):
    neighbour = await as_user(bot, "xianghe")
    mine = await as_user(bot, "jinpenling")
    try:
        page = await mine.post("/console/kb/new", dict(DOG, id="jpl-001", question="金盆岭社区服务站几点开门",
                                                       answer="周一至周五 8:30-17:30。", owner="金盆岭社区"))
        assert page.url.endswith("/console/kb/entry/jpl-001")
        # A district-wide entry: visible, read-only.
        page = await mine.get("/console/kb/entry/zs-001")
        assert page.status == 200 and "只有区级管理员可以修改" in page
        assert (await mine.post("/console/kb/entry/zs-001", dict(DOG, id="zs-001", version="1"))).status == 403
        assert (await mine.post("/console/kb/entry/zs-001/disable")).status == 403
        assert (await mine.post("/console/kb/entry/zs-001/delete")).status == 403
        # Another community's entry: as if it did not exist.
        for path in ("/console/kb/entry/jpl-001", "/console/kb/entry/jpl-001/history"):
            assert (await neighbour.get(path)).status == 404
        for path in ("/console/kb/entry/jpl-001", "/console/kb/entry/jpl-001/disable", "/console/kb/entry/jpl-001/delete",
                     "/console/kb/entry/jpl-001/revert"):
            assert (await neighbour.post(path, dict(DOG, id="jpl-001", version="1"))).status == 404
        assert "jpl-001" not in await neighbour.get("/console/kb")
        # Nor can it claim entries for a place it does not own.
        page = await neighbour.post("/console/kb/new", dict(DOG, id="xh-999", owner="金盆岭社区"))
        assert page.status == 400 and kb.entry_row(bot.db, "xh-999") is None
        assert (await neighbour.get("/console/kb/import")).status == 403
    finally:
        await neighbour.close()
        await mine.close()


async def test_grid_worker_may_look_but_not_edit_the_knowledge_base(bot, console):
    await console.post("/console/kb/new", dict(DOG, id="grid-001", question="一网格的快递柜在哪",
                                               answer="在3栋门口。", owner="金盆岭社区第1网格"))
    worker = await as_user(bot, "grid1")
    try:
        page = await worker.get("/console/kb")
        assert page.status == 200 and "grid-001" in page and 'href="/console/kb/new"' not in page
        for entry in ("grid-001", "zs-001"):
            page = await worker.get(f"/console/kb/entry/{entry}")
            assert page.status == 200 and "网格员账号只能查看知识库" in page
            assert "机器人立即使用" not in page and f"/console/kb/entry/{entry}/delete" not in page
        assert "恢复此版本" not in await worker.get("/console/kb/entry/grid-001/history")
        assert (await worker.get("/console/kb/test?q=快递柜")).status == 200
        assert (await worker.get("/console/kb/new")).status == 403
        page = await worker.post("/console/kb/new", dict(DOG, id="grid-002", owner="金盆岭社区第1网格"))
        assert page.status == 403 and "网格员账号只能查看知识库" in page and kb.entry_row(bot.db, "grid-002") is None
        for action in ("", "/disable", "/delete", "/revert"):
            page = await worker.post(f"/console/kb/entry/grid-001{action}", dict(DOG, id="grid-001", answer="改了", version="1"))
            assert page.status == 403, action
    finally:
        await worker.close()
    row = kb.entry_row(bot.db, "grid-001")
    assert row["answer"] == "在3栋门口。" and row["enabled"] and row["version"] == 1


async def test_hit_test_without_a_group_sees_only_the_users_entries(bot):
    owner = await as_user(bot, "jinpenling")
    neighbour = await as_user(bot, "xianghe")
    try:
        await owner.post("/console/kb/new", dict(DOG, id="jpl-050", question="金盆岭社区老年食堂几点开饭",
                                                 similar="老年食堂开饭时间", answer="老年食堂每天 11:00 开饭。",
                                                 owner="金盆岭社区"))
        page = await owner.get("/console/kb/test?q=金盆岭社区老年食堂几点开饭")
        assert "jpl-050" in page and "老年食堂每天 11:00 开饭" in page
        page = await neighbour.get("/console/kb/test?q=金盆岭社区老年食堂几点开饭")
        assert page.status == 200 and "jpl-050" not in page and "老年食堂每天 11:00 开饭" not in page
    finally:
        await owner.close()
        await neighbour.close()
    assert answer_for(bot, "金盆岭社区老年食堂几点开饭") == "jpl-050"  # `ask` with no group still sees every entry


async def test_export_in_three_formats(bot, console, tmp_path):
    from knowledge.kbfile import read_kb_file

    for fmt in ("json", "csv", "xlsx"):
        response = await console.raw_get(f"/console/kb/export?format={fmt}")
        assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
        path = tmp_path / f"kb.{fmt}"
        path.write_bytes(await response.read())
        entries = read_kb_file(path)
        assert any(e.id == "zs-001" for e in entries)
    assert (await console.get("/console/kb/export?format=exe")).status == 400


async def test_import_shows_errors_and_writes_nothing(bot, console):
    before = kb.entry_rows(bot.db)
    row = {"id": "imp-001", "category": "测试", "question": "问题", "similar": [], "keywords": [], "answer": "x"}
    bad = json.dumps([dict(row, question=""), row, row], ensure_ascii=False)
    await console.get("/console/kb/import")
    page = await console.post_file("/console/kb/import", "bad.json", bad)
    assert page.status == 400 and "第 1 条（id imp-001），字段 question：不能为空" in page
    assert "第 3 条（id imp-001），字段 id：“imp-001” 重复：与第 2 条（id imp-001）相同" in page
    assert kb.entry_rows(bot.db) == before
    page = await console.post_file("/console/kb/import", "kb.txt", "x")
    assert page.status == 400 and "不支持的文件类型" in page


async def test_import_previews_then_writes(bot, console):
    rows = [{"id": "imp-002", "category": "测试", "question": "导入的新问题是什么", "similar": ["导入问法"], "keywords": [],
             "answer": "导入的答案"}, dict(kb.get_entry(bot.db, "zs-001").as_dict(), answer="改过的答案")]
    await console.get("/console/kb/import")
    page = await console.post_file("/console/kb/import", "new.json", json.dumps(rows, ensure_ascii=False))
    assert page.status == 200 and "新增 1 条，修改 1 条" in page and "确认导入" in page
    assert kb.entry_row(bot.db, "imp-002") is None  # nothing written before the confirmation
    page = await confirm(console, page)
    assert "新增 1" in page and kb.entry_row(bot.db, "imp-002") is not None
    assert kb.get_entry(bot.db, "zs-001").answer == "改过的答案"



async def test_import_leaves_a_disabled_entry_disabled(bot, console):
    question = "征收补偿可以自己选择拿钱还是换房子吗"
    await console.post("/console/kb/entry/zs-002/disable")
    try:
        exported = json.loads(await (await console.raw_get("/console/kb/export?format=json")).read())
        entry = next(e for e in exported if e["id"] == "zs-002")
        assert entry["enabled"] is False
        # An edited copy of the answer, as someone keeps it in a file without the enabled field.
        edited = {k: v for k, v in entry.items() if k != "enabled"} | {"answer": entry["answer"] + "（已核对）"}
        page = await preview(console, "zs.json", json.dumps([edited], ensure_ascii=False))
        assert "修改 1 条" in page and "<td>answer</td>" in page
        await confirm(console, page)
        assert kb.get_entry(bot.db, "zs-002").answer.endswith("（已核对）")
        assert kb.entry_row(bot.db, "zs-002")["enabled"] == 0 and answer_for(bot, question) != "zs-002"
        # A file that says enabled: the preview shows it will be switched on.
        page = await preview(console, "zs.json", json.dumps([dict(edited, enabled=True)], ensure_ascii=False))
        assert "<td>启用</td>" in page
        await confirm(console, page)
        assert answer_for(bot, question) == "zs-002"
    finally:
        await console.post("/console/kb/entry/zs-002/enable")


async def test_any_file_the_preview_accepts_can_be_confirmed(tmp_path):
    own = console_bot(tmp_path)
    console = await as_user(own, "district")
    try:
        answer = "请携带身份证、户口本和相关证明材料到社区便民服务站办理，工作人员会一次性告知所需材料。" * 8
        entries = [{"id": f"big-{i:03d}", "category": "测试", "question": f"第{i}号测试事项怎么办理",
                    "similar": [f"第{i}号事项去哪办"], "keywords": [], "answer": answer} for i in range(891)]
        big = json.dumps(entries, ensure_ascii=False, indent=2)
        assert 800_000 < len(big.encode()) < 2 * 1024 * 1024
        page = await preview(console, "big.json", big, replace="1")
        assert "新增 891 条" in page
        page = await confirm(console, page)
        assert page.status == 200 and "新增 891" in page and kb.entry_row(own.db, "big-890") is not None
        assert kb.entry_row(own.db, "zs-001") is None  # the preview's "replace" is the one confirmed

        # A confirmed preview cannot be sent twice, nor can a form nobody previewed.
        again = await console.post("/console/kb/import/confirm", {"token": "made-up"})
        assert again.status == 400 and "预览已过期或已经确认过" in again

        page = await console.post_file("/console/kb/import", "huge.json", big + " " * (2 * 1024 * 1024))
        assert page.status == 413 and "每次最多 2 MB" in page and "Maximum" not in page
        assert "不超过 2 MB" in await console.get("/console/kb/import")
    finally:
        await console.close()
        own.close()


async def test_a_kb_import_by_another_process_reaches_the_running_bot(tmp_path, cli):
    from bot.channels.memory import MemoryChannel
    from tests.conftest import Harness, plain

    running = console_bot(tmp_path)
    chat = Harness(running, MemoryChannel())
    running.add_channel(chat.channel)
    console = await as_user(running, "district")
    question = "征收补偿标准怎么定的"

    def import_answer(answer: str) -> None:
        """`run_bot.py kb import` on the running bot's database, as another process does."""
        source = tmp_path / "zs.json"
        changed = dict(kb.get_entry(running.db, "zs-001").as_dict(), answer=answer)
        source.write_text(json.dumps([changed], ensure_ascii=False), encoding="utf-8")
        assert cli("kb", "import", str(source), "--db", str(running.settings.db_path)).code == 0

    try:
        assert "国有土地上房屋征收与补偿条例" in await console.get(f"/console/kb/test?q={question}")
        import_answer("补偿标准以本区最新公布的征收补偿方案为准。")
        running.handle(chat.message(question, mention=True))
        await running.deliver()
        assert "最新公布的征收补偿方案" in plain(chat.channel.sent[-1].text)

        import_answer("补偿标准请咨询区征收办。")
        page = await console.get(f"/console/kb/test?q={question}")
        assert "请咨询区征收办" in page and "最新公布的征收补偿方案" not in page
    finally:
        await console.close()
        running.close()
