"""Whole numbers typed by people or sent in requests: one parser, so that no odd digit ever reaches int() or SQLite."""

from __future__ import annotations

LARGEST = 2**63 - 1  # SQLite's INTEGER holds 64 bits; a larger number raises OverflowError deep in a query


def whole_number(text: object, default: int | None = None, largest: int = LARGEST) -> int | None:
    """`text` as a number 0…`largest` (spaces around it allowed), else `default`.

    str.isdigit() is the wrong test: it accepts ², ³ and ①, which int() refuses. str.isdecimal() accepts exactly
    the digits int() reads (ASCII, and the full-width １２ a Chinese input method types).
    """
    digits = str(text).strip()
    if not digits.isdecimal() or len(digits) > len(str(largest)):
        return default
    number = int(digits)
    return number if number <= largest else default


def whole_numbers(text: object, largest: int = LARGEST) -> list[int]:
    """The numbers in a comma-separated list ("3,5,8"), leaving out anything that is not one."""
    found = (whole_number(part, largest=largest) for part in str(text).replace("，", ",").split(","))
    return [number for number in found if number is not None]
