"""Time: one place that knows the district's time zone, replaceable by a fake clock in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, timezone: str = "Asia/Shanghai", now: Callable[[], datetime] | None = None):
        self.tz = ZoneInfo(timezone)
        self._now = now

    def now(self) -> datetime:
        return self._now() if self._now else datetime.now(self.tz)

    def iso(self, when: datetime | None = None) -> str:
        return (when or self.now()).isoformat(timespec="seconds")


class FakeClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: datetime, timezone: str = "Asia/Shanghai"):
        super().__init__(timezone)
        self.current = start if start.tzinfo else start.replace(tzinfo=self.tz)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
