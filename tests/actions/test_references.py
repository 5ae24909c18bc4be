"""Records named the way people name them: by number, date, leave type or part of a course name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from actions.references import read_reference, resolve

TODAY = date(2026, 12, 6)


@dataclass
class Leave:
    id: int
    kind: str
    start: date
    end: date


LEAVES = [
    Leave(12, "annual", date(2026, 12, 22), date(2026, 12, 23)),
    Leave(22, "sick", date(2026, 12, 14), date(2026, 12, 14)),
    Leave(31, "annual", date(2027, 1, 19), date(2027, 1, 19)),
    Leave(7, "annual", date(2026, 5, 6), date(2026, 5, 8)),
]


def leaves(text: str, kind: str | None = None) -> list[int] | tuple[list[int], list[int]]:
    found = resolve(
        read_reference(text, TODAY),
        LEAVES,
        record_id=lambda r: r.id,
        period=lambda r: (r.start, r.end),
        kind_of=lambda r: r.kind,
        kind=kind,
    )
    if found.ask:
        return [r.id for r in found.ask[0]], [r.id for r in found.ask[1]]
    return [r.id for r in found.matches] if found.named else []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a date is a date, never a record number (the bug: "December 22" cancelled request #22)
        ("I need to cancel the leave I booked on December 22", [12]),
        ("what's happening with my leave request for the 22nd of December?", [12]),
        ("drop my leave on the 22nd", [12]),
        ("撤销12月22日的年假", [12]),
        ("12月23号那条帮我取消", [12]),
        ("cancel my leave on 19 January", [31]),
        ("明年1月19号的假不休了", [31]),
        ("2027-01-19", [31]),
        # a year-less date long past means this year's, not next year's
        ("is my leave from May 6 approved?", [7]),
        # numbers written as numbers
        ("cancel #22", [22]),
        ("cancel request 12", [12]),
        ("撤销申请12", [12]),
        ("撤回第31号请假单", [31]),
        ("cancel 31", [31]),
        # a date that fits nothing
        ("cancel my leave on March 3", []),
    ],
)
def test_records_named_by_number_or_date(text: str, expected: list[int]) -> None:
    assert leaves(text) == expected


def test_a_number_that_may_be_a_day_is_asked_about_when_both_readings_fit() -> None:
    """ "22号申请": request #22 (sick leave on the 14th) or the leave on the 22nd (#12)?"""
    assert leaves("把22号申请撤了") == ([22], [12])
    assert leaves("cancel 22") == ([22], [12])


def test_a_number_that_may_be_a_day_is_taken_the_way_that_fits() -> None:
    assert leaves("14号的假撤销") == [22]  # no request #14: the leave on the 14th
    assert leaves("7号申请") == [7]  # no leave on a 7th: request #7


def test_the_leave_type_narrows_the_choice() -> None:
    assert leaves("cancel my sick leave", kind="sick") == [22]
    assert leaves("cancel my annual leave in December", kind="annual") == [12]


def test_nothing_named_means_the_user_chooses() -> None:
    found = resolve(
        read_reference("I want to cancel a leave request", TODAY), LEAVES, record_id=lambda r: r.id
    )
    assert not found.named and len(found.matches) == len(LEAVES)


@dataclass
class Enrolment:
    id: int
    title_en: str
    title_zh: str
    code: str
    start: date


ENROLMENTS = [
    Enrolment(1, "Data Analysis with Python", "Python数据分析", "DA-102", date(2027, 1, 14)),
    Enrolment(2, "Data Privacy Essentials", "数据隐私基础", "COMP-003", date(2026, 12, 15)),
    Enrolment(3, "Business Writing", "商务写作", "COM-101", date(2026, 12, 24)),
]


def courses(text: str) -> list[int]:
    found = resolve(
        read_reference(text, TODAY),
        ENROLMENTS,
        record_id=lambda e: e.id,
        period=lambda e: (e.start, e.start),
        names=lambda e: (e.title_en, e.title_zh, e.code),
    )
    return [e.id for e in found.matches] if found.named else []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("withdraw from the Python course", [1]),
        ("take me off the privacy course please", [2]),
        ("Python那门课不上了", [1]),
        ("隐私那个培训退了吧", [2]),
        ("drop the writing workshop", [3]),
        ("withdraw me from COMP-003", [2]),
        ("I can't make the course on the 24th", [3]),
        # "data" is in two titles: both are offered
        ("drop the data course", [1, 2]),
        # a name that fits nothing names nothing: the user gets the list, nothing is guessed
        ("take me off the Kubernetes course", []),
    ],
)
def test_courses_named_by_part_of_their_name_or_date(text: str, expected: list[int]) -> None:
    assert courses(text) == expected
