"""Working-day arithmetic over the holiday calendars HR publishes (shipped: ``holidays/*.yaml``).

The database holds the calendars (``calendar_publish`` loads the shipped files into it on start-up
and publishes HR's edits and imports); without a database the shipped files are used directly.

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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


_DB_CACHE: dict[str, tuple[tuple[Any, ...], dict[str, Calendar]]] = {}


def _stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever a year is published (count, revisions, latest time): the cache key."""
    from personnel.app.models import CalendarYear, HolidayCalendar

    n, revs, latest = session.execute(
        select(
            func.count(CalendarYear.id), func.sum(CalendarYear.revision), func.max(CalendarYear.published_at)
        )
    ).one()
    cals = session.scalar(select(func.count(HolidayCalendar.id)))
    return (cals, n, revs, str(latest))


def build_db_calendars(session: Session) -> dict[str, Calendar]:
    """Calendars as HR published them (``holiday_calendars``/``calendar_years``/``calendar_days``)."""
    from personnel.app.models import CalendarDay, CalendarYear, HolidayCalendar

    years: dict[str, set[int]] = {}
    for code, year in session.execute(select(CalendarYear.calendar_code, CalendarYear.year)):
        years.setdefault(code, set()).add(year)
    holidays: dict[str, dict[date, tuple[str, str]]] = {}
    makeup: dict[str, dict[date, tuple[str, str]]] = {}
    for d in session.execute(
        select(
            CalendarDay.calendar_code,
            CalendarDay.date,
            CalendarDay.kind,
            CalendarDay.name_en,
            CalendarDay.name_zh,
        )
    ):
        target = makeup if d.kind == "makeup_workday" else holidays
        target.setdefault(d.calendar_code, {})[d.date] = (d.name_en, d.name_zh)
    return {
        c.code: Calendar(
            code=c.code,
            name_en=c.name_en,
            name_zh=c.name_zh,
            weekend=frozenset(c.weekend or [5, 6]),
            years=frozenset(years.get(c.code, set())),
            holidays=holidays.get(c.code, {}),
            makeup=makeup.get(c.code, {}),
        )
        for c in session.scalars(select(HolidayCalendar))
    }


def db_calendars(session: Session) -> dict[str, Calendar]:
    """The published calendars, rebuilt only when a publication changed them."""
    key = str(session.get_bind().url)
    stamp = _stamp(session)
    cached = _DB_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    cals = build_db_calendars(session)
    _DB_CACHE[key] = (stamp, cals)
    return cals


def get_calendar(code: str, session: Session | None = None) -> Calendar:
    """The calendar ``code``: as published in the database when it has calendars, else as shipped."""
    cals = db_calendars(session) if session is not None else {}
    if not cals:
        cals = load_calendars()
    return cals.get(code) or cals.get("PRC") or next(iter(cals.values()))


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
