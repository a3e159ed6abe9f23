"""The registry in the console: scoped lists, row edits checked as a whole registry, file import with a preview."""

from __future__ import annotations

import html

import pytest

from bot.registry import find_group, registry_rows
from bot.web.registryedit import row_key
from bot.web.testing import as_user, console_bot
from knowledge.registryfile import write_registry_file


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    instance = console_bot(tmp_path_factory.mktemp("registry"))
    yield instance
    instance.close()



@pytest.fixture
async def district(bot):
    client = await as_user(bot, "district")
    yield client
    await client.close()


def key_of(bot, name):
    return row_key(next(r for r in registry_rows(bot.db) if r.name == name))


async def test_lists_are_scoped(bot):
    client = await as_user(bot, "jinpenling")
    try:
        page = await client.get("/console/registry")
        assert "金盆岭社区第1网格便民服务群" in page and "湘河社区第1网格便民服务群" not in page
        page = await client.get("/console/registry?community=湘河社区")
        assert "湘河社区第1网格便民服务群" not in page
        key = key_of(bot, "湘河社区第1网格便民服务群")
        assert (await client.get(f"/console/registry/edit?key={key}")).status == 404
        assert (await client.post("/console/registry/delete", {"key": key})).status == 200
        assert find_group(bot.db, "wechat", "29428853256@chatroom") is not None  # untouched
        page = await client.post("/console/registry/edit", {
            "kind": "group", "channel": "qq", "id": "123456789", "name": "越权群", "community": "湘河社区", "grid": "湘河社区第1网格"})
        assert page.status == 400 and "管辖范围" in page and find_group(bot.db, "qq", "123456789") is None
        assert (await client.get("/console/registry/import")).status == 403
    finally:
        await client.close()


async def test_grid_worker_may_look_but_not_edit(bot):
    client = await as_user(bot, "grid1")
    try:
        page = await client.get("/console/registry")
        assert "金盆岭社区第1网格便民服务群" in page and "金盆岭社区第2网格群" not in page
        assert (await client.get("/console/registry/edit?kind=group")).status == 403
        assert (await client.post("/console/registry/edit", {"kind": "group"})).status == 403
    finally:
        await client.close()


async def test_register_edit_and_delete_a_group(bot, district):
    page = await district.post("/console/registry/edit", {
        "key": "", "kind": "group", "channel": "qq", "id": "888777666", "name": "金盆岭1网格二群",
        "street": "", "community": "金盆岭社区", "grid": "金盆岭社区第1网格"})
    assert "已保存" in page
    group = find_group(bot.db, "qq", "888777666")
    assert group.grid == "金盆岭社区第1网格" and group.street == "清水塘街道"
    key = key_of(bot, "金盆岭1网格二群")
    await district.post("/console/registry/edit", {"key": key, "kind": "group", "channel": "qq", "id": "888777666",
                                                   "name": "金盆岭1网格新群名", "community": "金盆岭社区", "grid": "金盆岭社区第1网格"})
    assert find_group(bot.db, "qq", "888777666").name == "金盆岭1网格新群名"
    await district.post("/console/registry/delete", {"key": key_of(bot, "金盆岭1网格新群名")})
    assert find_group(bot.db, "qq", "888777666") is None


async def test_invalid_rows_are_explained_and_not_written(bot, district):
    before = registry_rows(bot.db)
    page = await district.post("/console/registry/edit", {
        "kind": "group", "channel": "qq", "id": "abc", "name": "坏群号", "community": "金盆岭社区", "grid": "金盆岭社区第1网格"})
    assert page.status == 400 and "不像 qq 的群号" in page
    # Deleting the only QQ worker of a grid that has a QQ group would leave the group with nobody to notify.
    page = await district.post("/console/registry/delete", {"key": _qq_worker_key(bot)})
    assert "没有可在 qq 上联系的网格员" in page
    assert registry_rows(bot.db) == before


def _qq_worker_key(bot):
    row = next(r for r in registry_rows(bot.db) if r.kind == "worker" and r.channel == "qq" and r.grid == "金盆岭社区第1网格")
    return row_key(row)


async def test_names_are_escaped(bot, district):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    await district.post("/console/registry/edit", {"kind": "group", "channel": "qq", "id": "777666555", "name": payload,
                                                   "community": "金盆岭社区", "grid": "金盆岭社区第1网格"})
    page = await district.get("/console/registry?community=金盆岭社区")
    assert payload not in page.text and html.escape("<script>alert(1)</script>") in page.text
    await district.post("/console/registry/delete", {"key": key_of(bot, payload)})


async def test_import_preview_errors_and_confirm(bot, district, tmp_path):
    rows = registry_rows(bot.db)
    await district.get("/console/registry/import")
    page = await district.post_file("/console/registry/import", "bad.csv",
                                    "kind,street,community,grid,channel,id,name\ngroup,清水塘街道,金盆岭社区,,qq,1,x\n")
    assert page.status == 400 and "第 2 行" in page and registry_rows(bot.db) == rows

    path = tmp_path / "registry.xlsx"
    write_registry_file(path, [r for r in rows if r.community != "霞湾社区"])
    page = await district.post_file("/console/registry/import", "registry.xlsx", path.read_bytes())
    assert page.status == 200 and "确认导入" in page and "删除" in page
    assert any(r.community == "霞湾社区" for r in registry_rows(bot.db))  # not yet
    token = html.unescape(page.text.split('name="token" value="')[1].split('"')[0])
    page = await district.post("/console/registry/import/confirm", {"token": token})
    assert "已导入登记表" in page and not any(r.community == "霞湾社区" for r in registry_rows(bot.db))
    page = await district.post("/console/registry/import/confirm", {"token": token})
    assert page.status == 400 and "预览已过期或已经确认过" in page
    from bot.registry import replace_registry

    replace_registry(bot.db, rows)


async def test_export(bot, district, tmp_path):
    from knowledge.registryfile import read_registry_file

    for fmt in ("csv", "xlsx"):
        response = await district.raw_get(f"/console/registry/export?format={fmt}")
        path = tmp_path / f"r.{fmt}"
        path.write_bytes(await response.read())
        assert len(read_registry_file(path)) == len(registry_rows(bot.db))
    client = await as_user(bot, "xianghe")
    try:
        response = await client.raw_get("/console/registry/export?format=csv")
        text = (await response.read()).decode("utf-8-sig")
        assert "湘河社区" in text and "金盆岭社区" not in text
    finally:
        await client.close()


async def test_excel_export_keeps_formula_like_names_as_text(bot, district, tmp_path):
    from openpyxl import load_workbook

    name = '=HYPERLINK("http://evil.example/","点我")'
    await district.post("/console/registry/edit", {"kind": "worker", "channel": "qq", "id": "2845123999", "name": name,
                                                   "community": "金盆岭社区", "grid": "金盆岭社区第1网格"})
    try:
        response = await district.raw_get("/console/registry/export?format=xlsx")
        path = tmp_path / "registry.xlsx"
        path.write_bytes(await response.read())
        cell = next(row[6] for row in load_workbook(path).active.iter_rows() if row[5].value == "2845123999")
        assert (cell.value, cell.data_type) == (name, "s")
    finally:
        await district.post("/console/registry/delete", {"key": key_of(bot, name)})
