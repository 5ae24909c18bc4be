"""Working-day arithmetic over the shipped holiday calendars (``personnel/app/holidays/*.yaml``).

A day counts when it is a make-up working day (调休上班), or a weekday that is not a public
holiday. Years a calendar has no data for fall back to weekends only and are reported, so the
bot can say the count may change once the official schedule is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HOLIDAY_DIR = Path(__file__).resolve().parent.parent / "holidays"


@dataclass(frozen=True)
class Day:
    date: date
    kind: str  # workday | weekend | holiday | makeup_workday
    name_en: str | None = None
    name_zh: str | None = None

    @property
    def working(self) -> bool:
        return self.kind in ("workday", "makeup_workday")


@dataclass(frozen=True)
class Calendar:
    code: str
    name_en: str
    name_zh: str
    weekend: frozenset[int]
    years: frozenset[int]
    holidays: dict[date, tuple[str, str]]
    makeup: dict[date, tuple[str, str]]

    def day(self, d: date) -> Day:
        if d in self.makeup:
            return Day(d, "makeup_workday", *self.makeup[d])
        if d in self.holidays:
            return Day(d, "holiday", *self.holidays[d])
        if d.weekday() in self.weekend:
            return Day(d, "weekend")
        return Day(d, "workday")

    def days(self, start: date, end: date) -> list[Day]:
        return [self.day(start + timedelta(n)) for n in range((end - start).days + 1)]

    def covers(self, start: date, end: date) -> bool:
        return all(y in self.years for y in range(start.year, end.year + 1))


def _to_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@lru_cache
def load_calendars() -> dict[str, Calendar]:
    calendars: dict[str, Calendar] = {}
    for path in sorted(HOLIDAY_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        holidays: dict[date, tuple[str, str]] = {}
        makeup: dict[date, tuple[str, str]] = {}
        for _year, data in (raw.get("years") or {}).items():
            for h in data.get("holidays") or []:
                d, end = _to_date(h["from"]), _to_date(h["to"])
                while d <= end:
                    holidays[d] = (h["name_en"], h["name_zh"])
                    d += timedelta(1)
            for m in data.get("makeup_workdays") or []:
                makeup[_to_date(m["date"])] = (m["name_en"], m["name_zh"])
        calendars[raw["code"]] = Calendar(
            code=raw["code"],
            name_en=raw["name_en"],
            name_zh=raw["name_zh"],
            weekend=frozenset(raw.get("weekend", [5, 6])),
            years=frozenset(int(y) for y in raw["years"]),
            holidays=holidays,
            makeup=makeup,
        )
    return calendars


def get_calendar(code: str) -> Calendar:
    cals = load_calendars()
    return cals.get(code) or cals["PRC"]


@dataclass(frozen=True)
class DayCount:
    total: float
    days: list[tuple[Day, float]]
    complete: bool


def count_leave_days(cal: Calendar, start: date, end: date, half_day: str | None) -> DayCount:
    """Working days between start and end inclusive; a half day makes the start date count 0.5."""
    counted: list[tuple[Day, float]] = []
    for day in cal.days(start, end):
        value = 1.0 if day.working else 0.0
        if half_day and day.date == start and value:
            value = 0.5
        counted.append((day, value))
    return DayCount(sum(v for _, v in counted), counted, cal.covers(start, end))
