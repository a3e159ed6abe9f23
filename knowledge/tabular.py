"""Reading and writing tables as CSV (any encoding Excel or WPS produce) and XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from knowledge.entry import InvalidFile

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
    raise InvalidFile(source, message=f"{source}：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the (stripped) header; row 2 is the first data row."""
    source = path.name
    try:
        if path.suffix.lower() == ".xlsx":
            return _read_xlsx(path)
        text = decode_text(path.read_bytes(), source)
    except OSError as exc:
        raise InvalidFile(source, message=f"{source}：无法读取（{exc.strerror or exc}）") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise InvalidFile(source, message=f"{source}：文件为空或没有表头")
        keys = [h.strip().lower() for h in header]
        return [dict(zip(keys, (cell.strip() for cell in row), strict=False)) for row in reader]
    except csv.Error as exc:
        raise InvalidFile(source, message=f"{source}：CSV 格式错误（第 {reader.line_num} 行：{exc}）") from None


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook  # imported here: only XLSX users pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidFile(path.name, message=f"{path.name}：不是有效的 Excel (.xlsx) 文件（{type(exc).__name__}）") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise InvalidFile(path.name, message=f"{path.name}：工作表为空或没有表头")
        keys = [str(h or "").strip().lower() for h in header]
        out = []
        for values in rows:
            cells = ["" if v is None else str(v).strip() for v in values]
            out.append(dict(zip(keys, cells, strict=False)))
        return out
    finally:
        workbook.close()


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    """CSV is written as UTF-8 with a BOM so that Excel opens Chinese text correctly."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c, "") for c in columns])
        workbook.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
