"""`kb import` / `kb export` through the CLI: formats, encodings, and all-or-nothing rejection of bad files."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from tests.conftest import run_process

ENTRY = {"id": "t-001", "category": "测试", "question": "社区食堂几点开门？",
         "similar": ["食堂开门时间", "老年食堂什么时候营业", "社区饭堂几点开饭"],
         "keywords": ["社区食堂", "开门时间"], "answer": "社区食堂每天 11:00–13:00 营业，具体以社区通知为准。"}


def faq_count(cli) -> int:
    import sqlite3

    return sqlite3.connect(cli.db).execute("SELECT count(*) FROM faq").fetchone()[0]


def test_json_round_trip(cli, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([ENTRY], ensure_ascii=False), encoding="utf-8")
    result = cli("kb", "import", str(source))
    assert result.code == 0 and "新增 1" in result.out
    out = tmp_path / "out.json"
    assert cli("kb", "export", str(out)).code == 0
    exported = {e["id"]: e for e in json.loads(out.read_text(encoding="utf-8"))}
    assert exported["t-001"] == {**ENTRY, "enabled": True}
    assert len(exported) > 80  # the shipped entries are still there: import without --replace adds


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_tabular_round_trip_with_replace(cli, tmp_path, suffix):
    source = tmp_path / "in.json"
    source.write_text(json.dumps([ENTRY], ensure_ascii=False), encoding="utf-8")
    cli("kb", "import", str(source), "--replace")
    table = tmp_path / f"kb{suffix}"
    cli("kb", "export", str(table))
    assert faq_count(cli) == 1
    cli("kb", "import", str(table), "--replace")
    back = tmp_path / "back.json"
    cli("kb", "export", str(back))
    assert json.loads(back.read_text(encoding="utf-8")) == [{**ENTRY, "enabled": True}]


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_import_keeps_an_entry_disabled_unless_the_file_says_otherwise(cli, tmp_path, suffix):
    cli("kb", "import", str(_json_file(tmp_path, [{**ENTRY, "enabled": False}])))
    ask = lambda: cli("ask", "社区食堂几点开门", "--json", "--mention").json_lines()[0]["faq_id"]  # noqa: E731
    assert ask() != "t-001"
    # A file without the enabled field changes the text and leaves the entry switched off.
    result = cli("kb", "import", str(_json_file(tmp_path, [{**ENTRY, "answer": "社区食堂 11:00 开门。"}])))
    assert "更新 1" in result.out and ask() != "t-001"
    # An exported file says so itself, in every format, and imports back without a change.
    exported = tmp_path / f"kb{suffix}"
    cli("kb", "export", str(exported))
    assert "未变 " in cli("kb", "import", str(exported)).out and "更新 0" in cli("kb", "import", str(exported)).out
    assert ask() != "t-001"
    back = tmp_path / "back.json"
    cli("kb", "export", str(back))
    assert {e["id"]: e for e in json.loads(back.read_text(encoding="utf-8"))}["t-001"]["enabled"] is False
    # A file that says enabled switches it on.
    cli("kb", "import", str(_json_file(tmp_path, [{**ENTRY, "enabled": True}])))
    assert ask() == "t-001"


def test_xlsx_keeps_text_that_looks_like_a_formula(cli, tmp_path):
    from openpyxl import load_workbook

    entry = {**ENTRY, "question": "+86 的电话怎么打？", "keywords": ["-号码", "@社区"],
             "answer": "=== 办理指南 ===\n1. 先拨 +86\n2. =SUM(A1:A9) 不是公式"}
    cli("kb", "import", str(_json_file(tmp_path, [entry])), "--replace")
    table = tmp_path / "kb.xlsx"
    cli("kb", "export", str(table))
    cells = list(load_workbook(table).active.iter_rows())[1]
    assert all(cell.data_type == "s" for cell in cells)
    result = cli("kb", "import", str(table), "--replace")
    assert result.code == 0 and "未变 1" in result.out, result.err
    back = tmp_path / "back.json"
    cli("kb", "export", str(back))
    assert json.loads(back.read_text(encoding="utf-8")) == [{**entry, "enabled": True}]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_in_every_encoding_excel_and_wps_write(cli, tmp_path, encoding):
    csv_text = ("id,category,question,similar,keywords,answer\n"
                "t-002,测试,垃圾几点收运？,垃圾车几点来|几点收垃圾|清运时间,清运时间,每天早晚各一次，具体以社区通知为准。\n")
    path = tmp_path / "kb.csv"
    path.write_bytes(csv_text.encode(encoding))
    result = cli("kb", "import", str(path))
    assert result.code == 0, result.err
    ask = cli("ask", "垃圾车几点来收垃圾", "--json", "--mention").json_lines()[0]
    assert ask["faq_id"] == "t-002"


def _xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.json", '[{"id": "a-1", ', "JSON 格式错误（第 1 行第 16 列：字段名要用英文双引号括起来"),
        ("comma.json", '[{"id": "a-1"} {"id": "a-2"}]', "JSON 格式错误（第 1 行第 16 列：缺少英文逗号）"),
        ("utf16.json", json.dumps([ENTRY], ensure_ascii=False).encode("utf-16"),
         "utf16.json：这是 UTF-16（记事本里的“Unicode”）编码，请另存为 UTF-8 编码的 JSON 文件"),
        ("utf16.csv", "id,category,question,similar,keywords,answer\n".encode("utf-16"), "请另存为 UTF-8 或 GBK 编码的 CSV 文件"),
        ("notentry.json", json.dumps([ENTRY, "t-002"], ensure_ascii=False), "第 2 条：应为一个条目（对象）"),
        ("missing.csv", "id,category,question,answer\na-1,测试,问?,答\n", "缺少列 similar, keywords"),
        ("dup.json", json.dumps([ENTRY, ENTRY], ensure_ascii=False), "第 2 条（id t-001），字段 id：“t-001” 重复：与第 1 条（id t-001）相同"),
        ("empty.json", json.dumps([{**ENTRY, "answer": "  "}], ensure_ascii=False), "第 1 条（id t-001），字段 answer：不能为空"),
        ("enc.csv", b"id,category,question,similar,keywords,answer\n\xff\xfe\xfa,\x81\n", "无法识别文件编码"),
        ("row.csv", "id,category,question,similar,keywords,answer\nok-1,测试,问?,,,答\nbad id!,测试,问?,,,答\n",
         "第 3 行，字段 id"),
        ("notlist.json", '{"id": "x"}', "顶层应为条目列表"),
        ("bad.yaml", "- id: a-1\n  question: [问题\n", "bad.yaml：YAML 格式错误（第 3 行第 1 列附近）"),
        ("kb.txt", "whatever", "不支持的文件类型"),
    ],
)
def test_broken_files_are_rejected_whole_naming_row_and_field(cli, tmp_path, name, content, expected):
    before_ok = tmp_path / "ok.json"
    before_ok.write_text(json.dumps([ENTRY], ensure_ascii=False), encoding="utf-8")
    cli("kb", "import", str(before_ok))
    count = faq_count(cli)
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = cli("kb", "import", str(path), "--replace")
    assert result.code != 0
    assert expected in result.err
    assert "Traceback" not in result.err
    assert faq_count(cli) == count  # nothing half-imported, nothing removed


HEADER = "id,category,question,similar,keywords,answer\n"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # An unquoted comma: the rest of the answer would have been cut off.
        ("x-1,测试,问题一？,,,答案一\nx-2,测试,问题二？,,,答案没引号,被切掉的后半段\n",
         "第 3 行：第 7 列没有表头，其中的内容“被切掉的后半段”无处可放"),
        # A quote left open: the rows after it would have become part of its answer.
        ('z-1,测试,问题一？,,,"答案一\nz-2,测试,问题二？,,,答案二\nz-3,测试,问题三？,,,答案三\n',
         "CSV 格式错误，第 2 行：以英文双引号开头的单元格直到文件末尾都没有结束的双引号"),
        ('z-1,测试,问题一？,,,"答案一\nz-2,测试,问题二？,,,"答案二"\n', "第 2 行：单元格的结束双引号后面还有内容"),
        # Too few cells: named by row, not taken for a missing column.
        ("y-1,测试,问题一？,,,答案一\ny-2,测试,问题二？,,\n", "第 3 行，字段 answer：这一行只有 5 个单元格，表头有 6 列"),
    ],
)
def test_csv_rows_that_do_not_fit_the_header_are_rejected_whole(cli, tmp_path, rows, expected):
    cli("kb", "import", str(_json_file(tmp_path, [ENTRY])))
    path = tmp_path / "kb.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    count = faq_count(cli)
    result = cli("kb", "import", str(path), "--replace")
    assert result.code == 2 and expected in result.err, result.err
    assert "Traceback" not in result.err and faq_count(cli) == count


def test_csv_blank_lines_and_empty_trailing_cells_are_fine(cli, tmp_path):
    path = tmp_path / "kb.csv"
    path.write_text(HEADER + "w-1,测试,问题一？,,,答案一,,\n\nw-2,测试,问题二？,,,答案二\n", encoding="utf-8")
    result = cli("kb", "import", str(path))
    assert result.code == 0 and "新增 2" in result.out, result.err


def _json_file(tmp_path, entries):
    path = tmp_path / "entries.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_problems_name_the_entry_not_a_line(cli, tmp_path):
    entries = [{**ENTRY, "id": f"sg-{i:03d}"} for i in range(1, 31)] + [{**ENTRY, "id": "sg-012x", "question": ""}]
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")
    result = cli("kb", "import", str(path))
    assert result.code == 2 and "第 31 条（id sg-012x），字段 question：不能为空" in result.err, result.err
    assert "行" not in result.err.splitlines()[1]


def test_json_values_that_are_not_text_are_rejected_naming_entry_and_field(cli, tmp_path):
    cli("kb", "import", str(_json_file(tmp_path, [ENTRY])))
    count = faq_count(cli)
    bad = {**ENTRY, "id": "t-009", "similar": [None, {"k": 1}], "keywords": [True], "answer": float("nan")}
    path = tmp_path / "values.json"
    path.write_text(json.dumps([ENTRY, bad], ensure_ascii=False), encoding="utf-8")  # NaN is written as JSON NaN
    result = cli("kb", "import", str(path))
    assert result.code == 2
    for said in ("第 2 条（id t-009），字段 similar：第 1 项应为文本，不能是空值 null",
                 "第 2 条（id t-009），字段 similar：第 2 项应为文本，不能是对象",
                 "第 2 条（id t-009），字段 keywords：第 1 项应为文本，不能是真假值 true",
                 "第 2 条（id t-009），字段 answer：应为文本，不能是非数字 NaN"):
        assert said in result.err, result.err
    assert faq_count(cli) == count  # nothing written
    path.write_text(json.dumps([{**ENTRY, "keywords": True}], ensure_ascii=False), encoding="utf-8")
    assert "字段 keywords：应为文本列表或以 | 分隔的文本，不能是真假值 true" in cli("kb", "import", str(path)).err


def test_broken_xlsx_and_bad_row_in_xlsx(cli, tmp_path):
    garbage = tmp_path / "broken.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("kb", "import", str(garbage))
    assert result.code == 2 and "不是有效的 Excel" in result.err
    sheet = tmp_path / "rows.xlsx"
    _xlsx(sheet, [["id", "category", "question", "similar", "keywords", "answer"],
                  ["x-1", "测试", "问题一？", "a|b", "k", "答案"], ["x-2", "测试", "", "", "", "答案"]])
    result = cli("kb", "import", str(sheet))
    assert result.code == 2 and "第 3 行，字段 question：不能为空" in result.err


def test_real_process_exits_non_zero_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[{]", encoding="utf-8")
    proc = run_process("kb", "import", str(bad), "--db", str(tmp_path / "p.db"))
    assert proc.returncode == 2
    assert "JSON 格式错误" in proc.stderr and "Traceback" not in proc.stderr
