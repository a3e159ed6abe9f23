"""Chat commands of grid workers and residents: 接单 N, 办结 N 说明, 退回 N 原因, 转派 N 网格, 我的事项, 我的进度, 查询 N, 满意 …"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intents.normalize import narrow

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

# A case number, and not the start of a place ("3栋" in "不满意，3栋还是没修" is no case 3).
_CASE_ID = re.compile(r"(?:sf-?)?(\d{8}-?\d{1,4}|\d{1,4})(?!\d)(?![栋幢楼层]|单元|号楼)", re.IGNORECASE)
_LEADING_NOISE = re.compile(r"(?:@\S+\s+)+")
_SEPARATORS = " \t\r\n:：,，.。、;；!！~～"
# A rating word glued to a question ("满意这个结果吗", "满意度怎么算") is a sentence, not a rating.
_ASKS = re.compile(r"[?？吗呢嘛]|怎么|什么|如何|多少|^度")


@dataclass(frozen=True, slots=True)
class Command:
    verb: str  # accept | resolve | send_back | transfer | my_cases | my_progress | query | rate
    case_ref: str | None = None  # "SF-20261126-0007", "20261126-0007" or a short "7"
    note: str = ""  # as typed: a resolve note, a reason, a grid, a rating's comment
    problem: str | None = None  # set when the command is malformed: what is missing
    rating: str | None = None  # satisfied | fair | unsatisfied, for "rate"


def case_ref(token: str) -> str | None:
    match = _CASE_ID.fullmatch(narrow(token.strip()))
    return _ref(match) if match else None


def _ref(match: re.Match) -> str:
    digits = match.group(1).replace("-", "")
    return f"SF-{digits[:8]}-{int(digits[8:]):04d}" if len(digits) > 8 else str(int(digits))


def parse(text: str) -> Command | None:
    """A command, a malformed command (with `problem`), or None when the text is no command at all."""
    typed = text.strip()
    plain = narrow(typed)  # a note is cut from `typed` at the same place, its Chinese punctuation untouched
    start = noise.end() if (noise := _LEADING_NOISE.match(plain)) else 0
    for word, verb in sorted({**WORKER_VERBS, **RESIDENT_VERBS}.items(), key=lambda kv: -len(kv[0])):
        if plain.startswith(word, start):
            return _case_command(verb, typed, plain, start + len(word))
    for word in sorted(RATINGS, key=len, reverse=True):
        if plain.startswith(word, start):
            return _rating(RATINGS[word], typed, plain, start + len(word))
    return None


def _case_command(verb: str, typed: str, plain: str, at: int) -> Command | None:
    rest = plain[at:].strip(_SEPARATORS)
    if verb in ("my_cases", "my_progress"):
        return Command(verb) if len(rest) <= 2 else None
    at = _skip(plain, at)
    match = _CASE_ID.match(plain, at)
    if match is None and verb == "query" and rest:
        return None  # "查询一下物业费标准" asks the knowledge base
    if match is None:
        return Command(verb, problem=f"缺少事项编号。用法：{USAGE[verb]}")
    note = _note(typed, plain, match.end())
    if verb in NEEDS_NOTE and not note:
        missing = "处理说明" if verb == "resolve" else "原因" if verb == "send_back" else "网格名称"
        return Command(verb, _ref(match), problem=f"缺少{missing}。用法：{USAGE[verb]}")
    return Command(verb, _ref(match), note)


def _rating(rating: str, typed: str, plain: str, at: int) -> Command | None:
    """满意 / 满意 7 / 不满意，垃圾还是没清走 / 不满意 7 还是脏: a rating, with a case number and a comment if given."""
    glued = at < len(plain) and plain[at] not in _SEPARATORS
    match = _CASE_ID.match(plain, _skip(plain, at))
    if match and (match.end() == len(plain) or plain[match.end()] in _SEPARATORS):
        return Command("rate", _ref(match), _note(typed, plain, match.end()), rating=rating)
    comment = _note(typed, plain, at)
    if glued and _ASKS.search(comment):
        return None
    return Command("rate", None, comment, rating=rating)


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SEPARATORS:
        at += 1
    return at


def _note(typed: str, plain: str, at: int) -> str:
    """What follows `at`, as typed: only the separators before it and the spaces around it are trimmed."""
    return typed[_skip(plain, at):].strip()


def is_command(text: str) -> bool:
    """Whether the text is written as a command (well formed or not), whoever sent it."""
    return parse(text) is not None


def usage_hint() -> str:
    return "可用指令：" + "；".join(USAGE.values()) + "。"
