"""Chat commands of grid workers and residents: 接单 N, 办结 N 说明, 退回 N 原因, 转派 N 网格, 我的事项, 我的进度, 查询 N, 满意 …"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WORKER_VERBS = {"接单": "accept", "办结": "resolve", "退回": "send_back", "转派": "transfer", "我的事项": "my_cases"}
RESIDENT_VERBS = {"我的进度": "my_progress", "查询": "query"}
RATINGS = {"满意": "satisfied", "基本满意": "fair", "不满意": "unsatisfied"}
# What each verb needs after the case number, for the one-line usage hint.
USAGE = {
    "accept": "接单 事项编号",
    "resolve": "办结 事项编号 处理说明",
    "send_back": "退回 事项编号 退回原因",
    "transfer": "转派 事项编号 网格名称",
    "my_cases": "我的事项",
    "query": "查询 事项编号",
}
NEEDS_NOTE = {"resolve", "send_back", "transfer"}

_CASE_ID = re.compile(r"(?:sf-?)?(\d{8}-?\d{1,4}|\d{1,4})", re.IGNORECASE)
_LEADING_NOISE = re.compile(r"^(?:@\S+\s+)+")


@dataclass(frozen=True, slots=True)
class Command:
    verb: str  # accept | resolve | send_back | transfer | my_cases | my_progress | query | rate
    case_ref: str | None = None  # "SF-20261126-0007", "20261126-0007" or a short "7"
    note: str = ""
    problem: str | None = None  # set when the command is malformed: what is missing


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    return _LEADING_NOISE.sub("", text).strip()


def case_ref(token: str) -> str | None:
    match = _CASE_ID.fullmatch(token.strip())
    if not match:
        return None
    digits = match.group(1).replace("-", "")
    return f"SF-{digits[:8]}-{int(digits[8:]):04d}" if len(digits) > 8 else str(int(digits))


def parse(text: str) -> Command | None:
    """A command, a malformed command (with `problem`), or None when the text is no command at all."""
    text = _clean(text)
    for word, verb in sorted({**WORKER_VERBS, **RESIDENT_VERBS}.items(), key=lambda kv: -len(kv[0])):
        if not text.startswith(word):
            continue
        rest = text[len(word):].strip(" :：,，")
        if verb in ("my_cases", "my_progress"):
            return Command(verb) if not rest or len(rest) <= 2 else None
        parts = rest.split(maxsplit=1)
        ref = case_ref(parts[0]) if parts else None
        if ref is None:
            return Command(verb, problem=f"缺少事项编号。用法：{USAGE[verb]}")
        note = parts[1].strip() if len(parts) > 1 else ""
        if verb in NEEDS_NOTE and not note:
            return Command(verb, ref, problem=f"缺少{ '处理说明' if verb == 'resolve' else '原因' if verb == 'send_back' else '网格名称'}。用法：{USAGE[verb]}")
        return Command(verb, ref, note)
    for word in sorted(RATINGS, key=len, reverse=True):
        if text.startswith(word):
            rest = text[len(word):].strip(" :：,，。!！")
            ref = case_ref(rest.split()[0]) if rest else None
            if rest and ref is None:
                return None  # "满意这个结果吗" is a sentence, not a rating
            return Command("rate", ref, RATINGS[word])
    return None


def is_command(text: str) -> bool:
    """Whether the text is written as a command (well formed or not), whoever sent it."""
    return parse(text) is not None


def usage_hint() -> str:
    return "可用指令：" + "；".join(USAGE.values()) + "。"
