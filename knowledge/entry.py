"""The FAQ entry and its validation rules, shared by every reader and writer of knowledge-base data."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
FIELDS = ("id", "category", "question", "similar", "keywords", "answer")
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    category: str
    question: str
    similar: tuple[str, ...] = field(default=())
    keywords: tuple[str, ...] = field(default=())
    answer: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["similar"] = list(self.similar)
        data["keywords"] = list(self.keywords)
        return data


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one row of an input file."""

    row: int | str  # the row number a person sees in a spreadsheet, or a label: "第 3 条（id zs-001）"
    field: str  # "" when the problem is the row as a whole
    message: str

    def __str__(self) -> str:
        where = place(self.row)
        return f"{where}，字段 {self.field}：{self.message}" if self.field else f"{where}：{self.message}"


def place(row: int | str) -> str:
    """Where a row is: a spreadsheet's row number, or a label such as "第 3 条（id zs-001）"."""
    return f"第 {row} 行" if isinstance(row, int) else row


class InvalidFile(Exception):
    """An input file was rejected; nothing from it was written."""

    def __init__(self, source: str, problems: list[Problem] | None = None, message: str | None = None):
        self.source = source
        self.problems = problems or []
        lines = [message or f"{source}：发现 {len(self.problems)} 处错误，未导入任何内容"]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  …… 另有 {len(self.problems) - 50} 处错误")
        super().__init__("\n".join(lines))


def not_text(value: object) -> str | None:
    """What a value is when it cannot stand for text (None when it can): JSON's null, true, NaN, an object …
    Numbers can: a spreadsheet or a JSON file may well give 12345 for "12345"."""
    if isinstance(value, str):
        return None
    if value is None:
        return "空值 null"
    if isinstance(value, bool):
        return f"真假值 {str(value).lower()}"
    if isinstance(value, float) and not math.isfinite(value):
        return "非数字 NaN" if math.isnan(value) else "无穷大 Infinity"
    if isinstance(value, (int, float)):
        return None
    return {dict: "对象", list: "列表", tuple: "列表"}.get(type(value), "其他类型的值（请加引号写成文本）")


def split_items(value: str | int | float | list | tuple | None) -> list[str]:
    """`similar` and `keywords` arrive as lists, or as text separated by new lines or '|' (checked by not_text)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else re.split(r"[|\n\r]+", str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def entry_from_mapping(data: dict, row: int | str, problems: list[Problem]) -> FaqEntry | None:
    """Build an entry from a loosely typed mapping; append what is wrong to `problems`."""
    start = len(problems)
    for name in FIELDS:
        if name not in data:
            problems.append(Problem(row, name, "缺少该字段"))
    if len(problems) > start:
        return None
    texts = {}
    for name in ("id", "category", "question", "answer"):
        value = data[name]
        if (kind := not_text(value)) is not None:
            problems.append(Problem(row, name, f"应为文本，不能是{kind}"))
            continue
        text = str(value).strip()
        if not text:
            problems.append(Problem(row, name, "不能为空"))
        elif len(text) > MAX_TEXT:
            problems.append(Problem(row, name, f"过长（{len(text)} 字，最多 {MAX_TEXT}）"))
        texts[name] = text
    if "id" in texts and texts["id"] and not ID_PATTERN.match(texts["id"]):
        problems.append(Problem(row, "id", f"“{texts['id']}” 不合规：只能用字母、数字、- _ .，最长 64 个字符"))
    lists = {}
    for name in ("similar", "keywords"):
        value = data[name]
        if isinstance(value, (list, tuple)):
            wrong = [(n, kind) for n, item in enumerate(value, start=1) if (kind := not_text(item)) is not None]
            if wrong:
                problems += [Problem(row, name, f"第 {n} 项应为文本，不能是{kind}") for n, kind in wrong]
                continue
        elif value is not None and (kind := not_text(value)) is not None:
            problems.append(Problem(row, name, f"应为文本列表或以 | 分隔的文本，不能是{kind}"))
            continue
        items = split_items(value)
        if any(len(item) > MAX_TEXT for item in items):
            problems.append(Problem(row, name, "有一项过长"))
        lists[name] = tuple(dict.fromkeys(items))
    if len(problems) > start:
        return None
    return FaqEntry(texts["id"], texts["category"], texts["question"], lists["similar"], lists["keywords"], texts["answer"])


# The optional `enabled` column or field. Blank or absent: an existing entry keeps its state, a new one is enabled.
ENABLED_WORDS = {"是": True, "启用": True, "1": True, "true": True, "yes": True, "y": True,
                 "否": False, "停用": False, "0": False, "false": False, "no": False, "n": False}


def enabled_from_mapping(data: dict, row: int | str, problems: list[Problem]) -> bool | None:
    value = data.get("enabled")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, str) and value.strip().lower() in ENABLED_WORDS:
        return ENABLED_WORDS[value.strip().lower()]
    problems.append(Problem(row, "enabled", "应为 是 或 否（也可写 true/false、1/0）；留空表示保持条目现在的状态"))
    return None


def check_unique(entries: list[tuple[int | str, FaqEntry]], problems: list[Problem]) -> None:
    seen: dict[str, int | str] = {}
    for row, entry in entries:
        if entry.id in seen:
            problems.append(Problem(row, "id", f"“{entry.id}” 重复：与{place(seen[entry.id])}相同"))
        else:
            seen[entry.id] = row
