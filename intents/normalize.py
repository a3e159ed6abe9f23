"""Normalisation: turn a raw chat message into plain simplified Mandarin text for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

MAX_CHARS = 1000  # longer messages are cut: the question is never in the 1,001st character

# Full-width digits, letters and hyphen and the ideographic space as their ASCII forms, one character for one, so a
# position in one text is a position in the other (NFKC would also turn "，" into "," and change lengths).
_NARROW = {**{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}, **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
           **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}, 0xFF0D: ord("-"), 0x3000: ord(" ")}


def narrow(text: str) -> str:
    """Full-width digits and letters as a Chinese input method types them (１２３, ＳＦ) in ASCII, nothing else changed."""
    return text.translate(_NARROW)

_CQ = re.compile(r"\[cq:[^\]]*\]")  # applied after lower()
_MENTION = re.compile(r"@[^\s@\u2005,;:!?，。；：！？、]{1,24}[\s\u2005]?")  # a name ends at a space or a stop: 回复@王姐：…
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_BRACKET_EMOTE = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,4}\]")  # WeChat's [微笑], [捂脸], [红包]
_REPEAT_PUNCT = re.compile(r"([?!.,~。、…;:])[?!.,~。、…;:]+")
_SPACES = re.compile(r"\s+")
# Ages are written both ways (八十岁, 80岁) and policies name them in digits: 八十大寿 -> 80大寿. A relative's age
# needs no unit: 我奶奶九十二了 -> 我奶奶92岁了.
_AGE = re.compile(r"(?<![一二三四五六七八九几十百])([一二三四五六七八九]?十[一二三四五六七八九]?|一百)(?=周?岁|大寿|多岁|寿辰)"
                  r"|(?:(?<=[爸妈爷奶婆公爹娘伯叔姨舅满])|(?<=娭毑|嗲嗲|老人|老头|老伴|父亲|母亲))((?:今年|都|已经|快|刚){0,2})"
                  r"([一二三四五六七八九]十[一二三四五六七八九]?|一百|[5-9][0-9]|1[01][0-9])(多)?(?=[了哒])")
# Policies call 80 and over 高龄 (高龄补贴, 高龄老人): a resident who tells such an age and asks about money speaks of
# it ("我外公八十六了，听讲有钱领"); one who tells it beside another matter ("我娘八十多了，电梯坏了") does not.
_OLD_AGE = re.compile(r"(?<![0-9])(?:[89][0-9]|1[01][0-9])(?:周?岁|大寿|多岁|寿辰)")
_MONEY = re.compile(r"钱|补贴|补助|津贴|待遇|福利")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
# Dialect 么 standing alone for 怎么/什么 (么样申请, 身体么样了, 么时候), which the dialect table cannot map: it would
# break 怎么样. 么样 before a verb asks how (怎么申请), elsewhere how things are (怎么样).
_BARE_ME = re.compile(r"(?<![怎什这那多])么(?:(样)(?=[\u4e00-\u9fff])(?![了啊呀哦的子])|(样)|(时候|意思))")


def _bare_me(match: re.Match) -> str:
    how, how_things_are, what = match.groups()
    return "怎么" if how else "怎么样" if how_things_are else "什么" + what

_t2s = OpenCC("t2s")


def ages_in_digits(text: str) -> str:
    """八十大寿 -> 80大寿; "七八十岁" and "几十岁" stay. Knowledge-base text gets the same, so both sides agree."""
    return _AGE.sub(_age_in_digits, text)


def old_age_named(text: str) -> str:
    """80岁 -> 80岁高龄: what policies call an age of 80 and over."""
    return _OLD_AGE.sub(r"\g<0>高龄", text)


def _age_in_digits(match: re.Match) -> str:
    unit_said, before, untold, more = match.groups()
    if untold:  # a relative's age told without its unit
        return f"{before}{untold if untold.isdigit() else _numeral_value(untold)}{more or ''}岁"
    return str(_numeral_value(unit_said))


def _numeral_value(numeral: str) -> int:
    if numeral == "一百":
        return 100
    tens, _, ones = numeral.partition("十")
    return 10 * _DIGITS.get(tens, 1) + _DIGITS.get(ones, 0)


def _is_noise(char: str) -> bool:
    category = unicodedata.category(char)
    # So: emoji and pictographs; Cc/Cf: control and format characters (zero-width joiners, BOM …); Co/Cs/Cn: unusable;
    # the variation selectors that follow an emoji (☀️ is ☀ + U+FE0F) go with it.
    return (category in ("So", "Sk", "Cc", "Cf", "Co", "Cs", "Cn") and char not in "\n\t") or "\ufe00" <= char <= "\ufe0f"


@lru_cache(maxsize=4096)
def _simplify(text: str) -> str:
    return _t2s.convert(text)


class Normalizer:
    def __init__(self, dialect: dict[str, str]):
        forms = sorted(dialect, key=len, reverse=True)
        self._dialect = dialect
        self._dialect_re = re.compile("|".join(map(re.escape, forms))) if forms else None

    def clean(self, text: str) -> str:
        """Everything but the dialect mapping: noise out, width and script unified."""
        text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).lower()
        text = _CQ.sub(" ", text)
        text = _URL.sub(" ", text)
        text = _MENTION.sub(" ", text)
        text = _BRACKET_EMOTE.sub(" ", text)
        text = "".join(" " if _is_noise(c) else c for c in text)
        if not text.isascii():
            text = _simplify(text)
        text = _REPEAT_PUNCT.sub(r"\1", text)
        text = ages_in_digits(text)
        return _SPACES.sub(" ", text).strip()[:MAX_CHARS]

    def __call__(self, text: str) -> str:
        text = self.clean(text)
        if self._dialect_re is not None:
            text = self._dialect_re.sub(lambda m: self._dialect[m.group(0)], text)
        text = _BARE_ME.sub(_bare_me, text)
        return old_age_named(text) if _MONEY.search(text) else text
