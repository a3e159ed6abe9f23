"""Handling time limits: N hours on the clock, or N working days (weekends and listed holidays excluded)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d)\s*$")


class LimitError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Limit:
    amount: float
    unit: str  # "h": clock hours; "d": working days

    def __str__(self) -> str:
        return f"{self.amount:g} 小时" if self.unit == "h" else f"{self.amount:g} 个工作日"


def parse_limit(text: str) -> Limit:
    match = _LIMIT.match(text)
    if not match:
        raise LimitError(f"时限 “{text}” 无法识别：请写成 24h（小时）或 3d（工作日）")
    return Limit(float(match.group(1)), match.group(2))


def parse_limits(spec: str) -> dict[str, Limit]:
    """"safety_hazard=24h, utilities=24h, default=3d" -> {code: Limit}."""
    limits: dict[str, Limit] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        code, _, value = part.partition("=")
        if not value:
            raise LimitError(f"时限设置 “{part}” 应写成 类别=时限，如 safety_hazard=24h")
        limits[code.strip()] = parse_limit(value)
    limits.setdefault("default", Limit(3, "d"))
    return limits


def parse_holidays(spec: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(d.strip()) for d in spec.split(",") if d.strip())
    except ValueError as exc:
        raise LimitError(f"节假日设置有误：{exc}（格式 2026-10-01,2026-10-02）") from None


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_at(start: datetime, limit: Limit, holidays: frozenset[date] = frozenset()) -> datetime:
    if limit.unit == "h":
        return start + timedelta(hours=limit.amount)
    due, days = start, int(round(limit.amount))
    while days > 0:
        due += timedelta(days=1)
        if is_working_day(due.date(), holidays):
            days -= 1
    return due
