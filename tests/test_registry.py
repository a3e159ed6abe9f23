"""The shipped district registry and `registry groups / import / export`."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from knowledge.registryfile import SHIPPED, read_registry_file


def test_shipped_registry_reproduces_the_district(cli):
    groups = cli("registry", "groups", "--json").json_lines()[0]
    assert len(groups) == 361
    assert len({g["street"] for g in groups}) == 5
    assert {g["street"] for g in groups} == {"清水塘街道", "铜塘湾街道", "响石岭街道", "井龙街道", "龙头铺街道"}
    assert len({g["community"] for g in groups}) == 45
    assert len({g["grid"] for g in groups}) == 232
    assert {g["channel"] for g in groups} == {"qq", "wechat"}
    assert len({(g["channel"], g["group_id"]) for g in groups}) == 361
    for g in groups:  # every group reaches a worker of its grid on its own channel
        assert any(w["channel"] == g["channel"] for w in g["workers"]), g
        if g["channel"] == "qq":
            assert re.fullmatch(r"[1-9]\d{4,11}", g["group_id"])
        else:
            assert g["group_id"].endswith("@chatroom")
    known = {"金盆岭社区", "湘河社区", "清霞社区", "报亭社区", "井塘社区", "丁山社区", "长石村", "九郎山村", "郭家塘村"}
    assert known <= {g["community"] for g in groups}


def test_every_community_has_a_contact_on_its_channels():
    rows = read_registry_file(SHIPPED)
    contacts = defaultdict(set)
    channels = defaultdict(set)
    for r in rows:
        if r.kind == "contact":
            contacts[r.community].add(r.channel)
        elif r.kind == "group":
            channels[r.community].add(r.channel)
    assert all(channels[c] <= contacts[c] for c in channels)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_keeps_the_registry(cli, tmp_path, suffix):
    before = cli("registry", "groups", "--json").json_lines()[0]
    path = tmp_path / f"registry{suffix}"
    assert cli("registry", "export", str(path)).code == 0
    result = cli("registry", "import", str(path))
    assert result.code == 0 and "361 个群" in result.out
    after = cli("registry", "groups", "--json").json_lines()[0]
    key = lambda g: (g["channel"], g["group_id"])  # noqa: E731
    assert sorted(before, key=key) == sorted(after, key=key)


def test_a_broken_registry_file_is_rejected_whole(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "kind,street,community,grid,channel,id,name\n"
        "group,清水塘街道,新社区,新社区第1网格,qq,12345678,新群\n"
        "worker,清水塘街道,新社区,新社区第1网格,wechat,wxid_abcdefg,王五\n"
        "group,铜塘湾街道,新社区,新社区第2网格,qq,not-a-number,群二\n",
        encoding="utf-8",
    )
    result = cli("registry", "import", str(path))
    assert result.code == 2
    assert "第 4 行，字段 id" in result.err
    assert "第 4 行，字段 street" in result.err
    assert "第 2 行，字段 grid：网格 新社区第1网格 没有可在 qq 上联系的网格员" in result.err
    assert len(cli("registry", "groups", "--json").json_lines()[0]) == 361


def test_a_registry_row_with_an_unquoted_comma_is_rejected_not_cut(cli, tmp_path):
    path = tmp_path / "comma.csv"
    path.write_text(
        "kind,street,community,grid,channel,id,name\n"
        "worker,清水塘街道,金盆岭社区,金盆岭社区第1网格,qq,2845123456,李娟\n"
        "group,清水塘街道,金盆岭社区,金盆岭社区第1网格,qq,712345678,金盆岭1网格,便民群\n",
        encoding="utf-8",
    )
    result = cli("registry", "import", str(path))
    assert result.code == 2 and "第 3 行：第 8 列没有表头" in result.err
    assert len(cli("registry", "groups", "--json").json_lines()[0]) == 361
