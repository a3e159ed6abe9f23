"""Knowledge-base files: the shipped YAML, and JSON / CSV / XLSX for import and export."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import yaml

# libyaml's safe loader when PyYAML was built with it: ten times faster than the pure-Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from knowledge.entry import (
    FIELDS, FaqEntry, InvalidFile, Problem, check_unique, enabled_from_mapping, entry_from_mapping,
)
from knowledge.tabular import decode_text, read_bytes, read_rows, write_rows

SHIPPED_DIR = Path(__file__).resolve().parent / "faq"
FORMATS = (".json", ".csv", ".xlsx", ".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class KbFile:
    """What a knowledge-base file holds: its entries, and the states the file gives some of them."""

    entries: list[FaqEntry]
    enabled: dict[str, bool]  # only the entries whose row or object says whether they are enabled


def read_kb_file(path: str | Path) -> list[FaqEntry]:
    """Read and validate a whole file; raise InvalidFile naming the row and field of every problem."""
    return read_kb_import(path).entries


def read_kb_import(path: str | Path) -> KbFile:
    """read_kb_file, with the optional `enabled` states an import applies."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidFile(path.name, message=f"{path.name}：不支持的文件类型，请使用 {' / '.join(FORMATS)}")
    if not path.exists():
        raise InvalidFile(path.name, message=f"{path}：文件不存在")
    if suffix in (".json", ".yaml", ".yml"):
        records = _read_structured(path)
    else:
        records = list(enumerate(read_rows(path, FIELDS), start=2))
    return _validate(path.name, records)


def _read_structured(path: Path) -> list[tuple[str, object]]:
    """The entries of a JSON or YAML file, each labelled as a person finds it: "第 31 条（id sg-012）"."""
    text = decode_text(read_bytes(path), path.name)
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        reason = next((said for english, said in _JSON_ERRORS.items() if exc.msg.startswith(english)), "格式不正确")
        raise InvalidFile(path.name, message=f"{path.name}：JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列：{reason}）") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列附近）" if mark is not None else ""
        raise InvalidFile(path.name, message=f"{path.name}：YAML 格式错误{where}") from None
    if not isinstance(data, list):
        raise InvalidFile(path.name, message=f"{path.name}：顶层应为条目列表")
    return [(_label(number, record), record) for number, record in enumerate(data, start=1)]


def _label(number: int, record: object) -> str:
    faq_id = record.get("id") if isinstance(record, dict) else None
    if isinstance(faq_id, (str, int)) and not isinstance(faq_id, bool) and str(faq_id).strip():
        return f"第 {number} 条（id {str(faq_id).strip()[:64]}）"
    return f"第 {number} 条"


# Python's json messages, in words for the person who edited the file.
_JSON_ERRORS = {
    "Expecting value": "这里应是一个值（文本要加英文双引号；列表或对象的最后一项后面不能有逗号）",
    "Expecting ',' delimiter": "缺少英文逗号",
    "Expecting ':' delimiter": "缺少英文冒号",
    "Expecting property name enclosed in double quotes": "字段名要用英文双引号括起来（最后一项后面不能有逗号）",
    "Unterminated string": "文本缺少结束的英文双引号",
    "Invalid control character": "文本中有未转义的换行或控制字符（换行请写成 \\n）",
    "Invalid \\escape": "文本中有无效的反斜杠转义",
    "Invalid \\uXXXX escape": "文本中有无效的 \\u 转义",
    "Extra data": "列表结束后还有多余的内容",
}


def _validate(source: str, records: list[tuple[int | str, object]]) -> KbFile:
    problems: list[Problem] = []
    entries: list[tuple[int | str, FaqEntry]] = []
    enabled: dict[str, bool] = {}
    for row, record in records:
        if not isinstance(record, dict):
            problems.append(Problem(row, "", "应为一个条目（对象）"))
            continue
        if all(not str(v or "").strip() for v in record.values()):
            continue  # blank spreadsheet rows
        entry = entry_from_mapping(record, row, problems)
        state = enabled_from_mapping(record, row, problems)
        if entry is not None:
            entries.append((row, entry))
            if state is not None:
                enabled[entry.id] = state
    check_unique(entries, problems)
    if problems:
        raise InvalidFile(source, problems)
    if not entries:
        raise InvalidFile(source, message=f"{source}：没有任何条目")
    return KbFile([entry for _, entry in entries], enabled)


def read_shipped() -> list[FaqEntry]:
    """The default knowledge base shipped in knowledge/faq/*.yaml."""
    records: list[tuple[str, object]] = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        records += [(f"{path.name} {label}", r) for label, r in _read_structured(path)]
    return _validate("knowledge/faq", records).entries


def write_kb_file(path: str | Path, entries: list[FaqEntry], disabled: Collection[str] = ()) -> None:
    """Every entry with its `enabled` state, so that importing the file back changes nothing."""
    path = Path(path)
    suffix = path.suffix.lower()
    records = [{**e.as_dict(), "enabled": e.id not in disabled} for e in entries]
    if suffix == ".json":
        payload = json.dumps(records, ensure_ascii=False, indent=2)
        path.write_text(payload + "\n", encoding="utf-8")
    elif suffix in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif suffix in (".csv", ".xlsx"):
        rows = [{**r, "similar": "\n".join(r["similar"]), "keywords": "\n".join(r["keywords"]),
                 "enabled": "是" if r["enabled"] else "否"} for r in records]
        write_rows(path, [*FIELDS, "enabled"], rows)
    else:
        raise InvalidFile(path.name, message=f"{path.name}：不支持的文件类型，请使用 {' / '.join(FORMATS)}")
