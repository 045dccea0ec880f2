"""An injectable clock. Services ask ``now()``; tests freeze or move it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> datetime:
        self._at += timedelta(**delta)
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(timezone.utc)


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current instant, aware and in UTC."""
    return _clock.now()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock``; returns the previous one so callers can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def today_cn():
    """The business date in China (Asia/Shanghai), for dates on documents."""
    return now().astimezone(CHINA).date()
