"""Residents' phone and ID numbers never go into a group: mask them in any text bound for one."""

from __future__ import annotations

import re
from datetime import date

from intents.normalize import narrow

_DIGIT = "[0-9０-９]"  # people type full-width digits too
# One space or dash may sit between any two digits: "138 1234 5678", "138-1234-5678", "430203 19900101 1234".
_GAP = "[ \u3000\\-－‐–—]?"
_ALONE = (r"(?<![0-9０-９])", r"(?![0-9０-９])")  # not part of a longer run of digits


def _run(count: int) -> str:
    """`count` digits, each pair perhaps apart by one space or dash."""
    return f"{_DIGIT}(?:{_GAP}{_DIGIT}){{{count - 1}}}"


def _alone(pattern: str) -> re.Pattern:
    return re.compile(f"{_ALONE[0]}{pattern}{_ALONE[1]}")


# Mainland ID cards, 18 digits (the last may be X) or the older 15; masked before phones, so an ID is not half-masked.
_ID_CARD = _alone(f"(?P<number>{_run(17)}{_GAP}[0-9０-９XxＸｘ]|{_run(15)})")
# Mobiles, with or without +86 / 0086 / 86 in front.
_MOBILE = _alone(f"(?:(?:[+＋]|00)?86{_GAP})?(?P<number>[1１]{_GAP}[3-9３-９](?:{_GAP}{_DIGIT}){{9}})")
# Landlines with their area code: 0731-2288 1234, (0731)22881234, 010 1234 5678.
_LANDLINE = _alone(f"[(（]?[0０]{_DIGIT}{{2,3}}[)）]?{_GAP}(?P<number>{_DIGIT}{{3,4}}{_GAP}{_run(4)})")

def _digits(number: str) -> str:
    return "".join(ch for ch in narrow(number) if ch.isdigit() or ch in "Xx")


def _is_id_card(digits: str) -> bool:
    """A run of 18 or 15 digits is an ID when it holds a real birth date: long order or bank numbers are left alone."""
    born = digits[6:14] if len(digits) == 18 else "19" + digits[6:12]
    try:
        return 1900 <= date(int(born[:4]), int(born[4:6]), int(born[6:])).year
    except ValueError:
        return False


def _star(match: re.Match, hidden: range) -> str:
    """The match with the digits at positions `hidden` of its number starred; spaces and dashes stay as written."""
    out, seen = [], 0
    for ch in match.group("number"):
        if ch in " \u3000-－‐–—":
            out.append(ch)
        else:
            out.append("*" if seen in hidden else ch)
            seen += 1
    start, end = (i - match.start() for i in match.span("number"))
    return match.group(0)[:start] + "".join(out) + match.group(0)[end:]


def _mask_id_card(match: re.Match) -> str:
    digits = _digits(match.group("number"))
    if not _is_id_card(digits):
        return match.group(0)
    return _star(match, range(6, 14) if len(digits) == 18 else range(6, 12))  # the birth date and more


def mask_personal_numbers(text: str) -> str:
    text = _ID_CARD.sub(_mask_id_card, text)
    text = _MOBILE.sub(lambda m: _star(m, range(3, 7)), text)  # 138****5678
    return _LANDLINE.sub(lambda m: _star(m, range(len(_digits(m.group("number"))) - 4)), text)  # 0731-****1234
