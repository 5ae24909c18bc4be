"""Holiday calendars: PRC 2025/2026 (2024 revision + State Council schedules) and US federal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from personnel.app.services.calendar import count_leave_days, get_calendar, load_calendars

PRC = get_calendar("PRC")
US = get_calendar("US")


def test_calendars_shipped() -> None:
    assert set(load_calendars()) >= {"PRC", "US"}
    assert PRC.years >= {2025, 2026} and US.years >= {2025, 2026}


def test_national_day_2025_excluded_and_makeup_days_counted() -> None:
    for n in range(8):
        assert PRC.day(date(2025, 10, 1) + timedelta(n)).kind == "holiday"
    assert PRC.day(date(2025, 9, 28)).kind == "makeup_workday"  # Sunday worked
    assert PRC.day(date(2025, 10, 11)).kind == "makeup_workday"  # Saturday worked
    # Sun 28 Sep .. Sat 11 Oct: 9/28, 9/29, 9/30, 10/9, 10/10, 10/11 are worked
    count = count_leave_days(PRC, date(2025, 9, 28), date(2025, 10, 11), None)
    assert count.total == 6
    assert [d.date.day for d, v in count.days if v] == [28, 29, 30, 9, 10, 11]


def test_spring_festival_2025() -> None:
    assert all(PRC.day(date(2025, 1, 28) + timedelta(n)).kind == "holiday" for n in range(8))
    assert PRC.day(date(2025, 2, 5)).kind == "workday"
    assert PRC.day(date(2025, 1, 26)).kind == "makeup_workday"
    assert PRC.day(date(2025, 2, 8)).kind == "makeup_workday"


@pytest.mark.parametrize(
    ("start", "end", "makeup"),
    [
        (date(2026, 1, 1), date(2026, 1, 3), [date(2026, 1, 4)]),
        (date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)]),
        (date(2026, 4, 4), date(2026, 4, 6), []),
        (date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)]),
        (date(2026, 6, 19), date(2026, 6, 21), []),
        (date(2026, 9, 25), date(2026, 9, 27), []),
        (date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
    ],
)
def test_prc_2026_schedule(start: date, end: date, makeup: list[date]) -> None:
    d = start
    while d <= end:
        assert PRC.day(d).kind == "holiday", d
        d += timedelta(1)
    for m in makeup:
        assert PRC.day(m).kind == "makeup_workday"
        assert m.weekday() >= 5  # make-up days are weekend days worked


def test_statutory_days_present_each_year() -> None:
    # the 13 statutory days of the 2024 revision fall inside the published holiday ranges
    for y in (2025, 2026):
        for d in (
            date(y, 1, 1),
            date(y, 5, 1),
            date(y, 5, 2),
            date(y, 10, 1),
            date(y, 10, 2),
            date(y, 10, 3),
        ):
            assert PRC.day(d).kind == "holiday", d
    # 除夕 2025-01-28 and 2026-02-16 are holidays since the 2024 revision
    assert PRC.day(date(2025, 1, 28)).kind == "holiday"
    assert PRC.day(date(2026, 2, 16)).kind == "holiday"


def test_us_federal_observed_dates() -> None:
    assert US.day(date(2026, 7, 3)).kind == "holiday"  # July 4 2026 is a Saturday
    assert US.day(date(2026, 11, 26)).name_en == "Thanksgiving Day"
    assert US.day(date(2025, 6, 19)).kind == "holiday"
    assert US.day(date(2025, 10, 1)).kind == "workday"  # not a US holiday
    count = count_leave_days(US, date(2026, 11, 23), date(2026, 11, 27), None)
    assert count.total == 4


def test_half_day_and_unknown_year() -> None:
    assert count_leave_days(PRC, date(2026, 12, 1), date(2026, 12, 1), "am").total == 0.5
    assert count_leave_days(PRC, date(2026, 12, 1), date(2026, 12, 2), "pm").total == 1.5
    c = count_leave_days(PRC, date(2027, 3, 1), date(2027, 3, 5), None)
    assert c.total == 5 and not c.complete


def test_us_2027_observed_holidays_fall_on_weekdays() -> None:
    """Federal staff booking the last week of 2027 do not spend leave on the observed Christmas
    (Fri 24 Dec) or New Year's Day 2028 (Fri 31 Dec, because 1 Jan 2028 is a Saturday)."""
    assert 2027 in US.years
    count = count_leave_days(US, date(2027, 12, 20), date(2027, 12, 31), None)
    assert count.total == 8  # 10 weekdays minus the two observed holidays
    assert US.day(date(2027, 7, 5)).kind == "holiday" and US.day(date(2027, 7, 4)).kind == "weekend"
