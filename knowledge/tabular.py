"""Reading and writing tables as CSV (any encoding Excel or WPS produce) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from knowledge.entry import InvalidFile, Problem

ENCODINGS = ("utf-8", "gb18030")


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030, as saved by Excel and WPS on Chinese systems."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    kind = {".csv": "UTF-8 或 GBK 编码的 CSV 文件", ".json": "UTF-8 编码的 JSON 文件"}.get(
        Path(source).suffix.lower(), "UTF-8 编码的文件")
    found = "这是 UTF-16（记事本里的“Unicode”）编码" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "无法识别文件编码"
    raise InvalidFile(source, message=f"{source}：{found}，请另存为 {kind}")


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from None


def unreadable(path: Path, exc: OSError) -> InvalidFile:
    reason = {PermissionError: "没有读取权限", IsADirectoryError: "这是一个文件夹，不是文件",
              FileNotFoundError: "文件不存在"}.get(type(exc), "无法读取该文件")
    return InvalidFile(path.name, message=f"{path.name}：{reason}")


def read_rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the (stripped, lower-cased) header; row 2 is the first data row.

    The header must name every one of `columns`. Every cell must sit under a named column, so a row with more or
    fewer cells than the header (an unquoted comma, a quote left open) is rejected naming its row, never cut short
    or padded silently."""
    source = path.name
    header, rows = _xlsx_cells(path) if path.suffix.lower() == ".xlsx" else _csv_cells(path)
    keys = _header_keys(source, header, columns)
    problems: list[Problem] = []
    records = []
    for number, cells in enumerate(rows, start=2):
        missing = [k for k in keys[len(cells):] if k]
        if missing and any(cells):  # a blank line is a blank row, not a short one
            problems.append(Problem(number, missing[0], f"这一行只有 {len(cells)} 个单元格，表头有 {len(keys)} 列"))
        for column, cell in enumerate(cells, start=1):
            if cell and (column > len(keys) or not keys[column - 1]):
                problems.append(Problem(number, "", f"第 {column} 列没有表头，其中的内容“{cell[:20]}”无处可放"
                                                    "（文本里有英文逗号时，整个单元格要用英文双引号括起来）"))
                break
        records.append({key: cell for key, cell in zip(keys, cells) if key} | dict.fromkeys(missing, ""))
    if problems:
        raise InvalidFile(source, problems)
    return records


def _header_keys(source: str, header: list[str] | None, columns: Sequence[str]) -> list[str]:
    if not header or not any(header):
        raise InvalidFile(source, message=f"{source}：文件为空或没有表头")
    keys = [h.lower() for h in header]
    missing = [c for c in columns if c not in keys]
    if missing:
        raise InvalidFile(source, message=f"{source}：缺少列 {', '.join(missing)}（需要 {', '.join(columns)}）")
    twice = sorted({k for k in keys if k and keys.count(k) > 1})
    if twice:
        raise InvalidFile(source, message=f"{source}：表头中 {', '.join(twice)} 出现了不止一次")
    return keys


# Python's csv messages, in words for the person who saved the file.
_CSV_ERRORS = {
    "unexpected end of data": "以英文双引号开头的单元格直到文件末尾都没有结束的双引号",
    "',' expected after '\"'": "单元格的结束双引号后面还有内容（单元格里的双引号要写成两个：\"\"）",
}


def _csv_cells(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    text = decode_text(read_bytes(path), path.name)
    # strict: a quote left open is an error at the end of the file, not a cell that swallows the rows after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    started = 1
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])
            started = reader.line_num + 1
    except csv.Error as exc:
        reason = next((said for english, said in _CSV_ERRORS.items() if str(exc).startswith(english)), "无法解析")
        where = f"第 {len(rows) + 1} 行" + (f"（文本第 {started} 行起）" if started != len(rows) + 1 else "")
        raise InvalidFile(path.name, message=f"{path.name}：CSV 格式错误，{where}：{reason}") from None
    return (rows[0] if rows else None), rows[1:]


def _xlsx_cells(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX users pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise unreadable(path, exc) from None
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise InvalidFile(path.name, message=f"{path.name}：不是有效的 Excel (.xlsx) 文件") from None
    try:
        rows = [["" if v is None else str(v).strip() for v in values]
                for values in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        raise InvalidFile(path.name, message=f"{path.name}：工作表为空或没有表头")
    # A sheet's rows are as wide as its widest one; missing cells are empty ones, not a short row.
    width = max(len(r) for r in rows)
    return rows[0], [r + [""] * (width - len(r)) for r in rows[1:]]


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    """CSV is written as UTF-8 with a BOM so that Excel opens Chinese text correctly."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        append_text_row(sheet, columns)
        for row in rows:
            append_text_row(sheet, [row.get(c, "") for c in columns])
        workbook.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


FORMULA_STARTS = ("=", "+", "-", "@")  # what Excel reads as the start of a formula


def append_text_row(sheet, values: list) -> None:
    """Append a row to an openpyxl sheet with every text stored as text, exactly as given: openpyxl would make
    "=HYPERLINK(…)" or "=== 办理指南 ===" a live formula, and Excel re-reads + - @ at the start of a cell edited
    later, so those cells are also marked "quote prefix" (text, whatever it starts with). None is an empty cell.
    Control characters, which a chat message may carry and a worksheet cannot hold, are left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append(["" if value is None else ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                  for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value[:1] in FORMULA_STARTS:
                cell.quotePrefix = True

