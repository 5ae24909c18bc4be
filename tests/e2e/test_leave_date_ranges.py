"""Leave periods said the way people say them, end to end: a range inside a sentence with the leave
type in the same first message, a single day corrected to a range, a week named apart from its
days and a number of days from a start, in English and in Chinese — the real Rasa model, action
server and backend. What each conversation booked is read back from the backend. "Today" is
Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def booked(stack: Stack, employee: str, before: set[int]) -> list[dict]:
    return [a for a in stack.backend_get("/leave/applications", employee) if a["id"] not in before]


def ids(stack: Stack, employee: str) -> set[int]:
    return {a["id"] for a in stack.backend_get("/leave/applications", employee)}


@pytest.mark.parametrize(
    ("employee", "turns", "booked_as"),
    [
        (
            "E1040",
            ["I need 2 days of sick leave from next Wednesday", "flu", "yes"],
            ("sick", "2026-12-02", "2026-12-03"),
        ),
        ("E1045", ["请3天年假，从下周一开始", "无", "确认"], ("annual", "2026-11-30", "2026-12-02")),
        (
            "E1046",
            ["annual leave please, 3 days from next Friday", "none", "yes"],
            ("annual", "2026-12-04", "2026-12-08"),  # three working days: the weekend is skipped
        ),
        ("E1048", ["我想下周一到周三请事假", "搬家", "确认"], ("personal", "2026-11-30", "2026-12-02")),
    ],
)
def test_a_period_said_in_one_message_is_booked_whole(
    stack: Stack, employee: str, turns: list[str], booked_as: tuple[str, str, str]
) -> None:
    """The type and the whole period come from the first message: the bot asks only for the reason."""
    say = stack.chat(employee)
    before = ids(stack, employee)
    replies = [say(text) for text in turns]
    assert not any(q in "\n".join(replies) for q in ("Which type of leave?", "请问要请哪种假？")), replies
    created = booked(stack, employee, before)
    assert [(a["leave_type"], a["from_date"], a["to_date"]) for a in created] == [booked_as], replies


@pytest.mark.parametrize(
    ("employee", "turns"),
    [
        (
            "E1042",
            [
                "I'd like to take some annual leave",
                "Dec 2",
                "whole day",
                "trip",
                "no, the 3rd to the 4th",
                "yes",
            ],
        ),
        ("E1043", ["我想请年假", "12月2日", "全天", "旅游", "不对，是3号到4号", "确认"]),
    ],
)
def test_a_single_day_corrected_to_a_range_books_the_range(
    stack: Stack, employee: str, turns: list[str]
) -> None:
    say = stack.chat(employee)
    before = ids(stack, employee)
    replies = [say(text) for text in turns]
    assert "3 Dec 2026 to Fri 4 Dec 2026" in replies[4] or "12月3日（周四） 至 2026年12月4日" in replies[4], (
        replies
    )
    created = booked(stack, employee, before)
    assert [(a["from_date"], a["to_date"], a["working_days"]) for a in created] == [
        ("2026-12-03", "2026-12-04", 2.0)
    ], replies


@pytest.mark.parametrize(
    ("employee", "turns"),
    [
        # corrected at the question about the reason, after the half day was answered
        (
            "E1031",
            [
                "I'd like annual leave on Dec 2",
                "whole day",
                "wait, it should be Dec 3 to Dec 4",
                "none",
                "yes",
            ],
        ),
        # corrected at the question about the half day
        ("E1032", ["我想12月2日请年假", "不对，是3号到4号", "无", "确认"]),
    ],
)
def test_a_range_given_as_a_correction_mid_form_replaces_the_day(
    stack: Stack, employee: str, turns: list[str]
) -> None:
    say = stack.chat(employee)
    before = ids(stack, employee)
    replies = [say(text) for text in turns]
    created = booked(stack, employee, before)
    assert [(a["from_date"], a["to_date"], a["half_day"]) for a in created] == [
        ("2026-12-03", "2026-12-04", None)
    ], replies


def test_a_week_named_apart_from_its_days_answers_the_dates_question(stack: Stack) -> None:
    say = stack.chat("E1044")
    before = ids(stack, "E1044")
    for text in ("I want to book leave", "annual"):
        say(text)
    assert "Mon 30 Nov 2026 to Wed 2 Dec 2026" in say("next week, Monday to Wednesday")
    say("none")
    say("yes")
    created = booked(stack, "E1044", before)
    assert [(a["from_date"], a["to_date"], a["working_days"]) for a in created] == [
        ("2026-11-30", "2026-12-02", 3.0)
    ]


def test_an_impossible_day_in_a_range_is_explained_and_the_next_range_taken(stack: Stack) -> None:
    say = stack.chat("E1049")
    before = ids(stack, "E1049")
    say("I need leave")
    say("personal")
    refused = say("Feb 30 to Mar 2")
    assert "There is no 30 February" in refused, refused
    assert "Wed 2 Dec 2026 to Thu 3 Dec 2026" in say("Dec 2-3")
    say("none")
    say("yes")
    created = booked(stack, "E1049", before)
    assert [(a["from_date"], a["to_date"]) for a in created] == [("2026-12-02", "2026-12-03")]


@pytest.mark.parametrize(
    ("employee", "turns", "booked_as"),
    [
        (
            "E1010",
            [
                "annual leave for the 14th to the 16th of December please",
                "hmm no, I've got a call the morning of the 15th. so 12/15 from the afternoon thru 12/17",
                "yes",
            ],
            ("annual", "2026-12-15", "2026-12-17", "pm"),
        ),
        (
            "E1016",  # test_leave_type_answers books 14-15 Dec for E1016 on the shared stack
            ["我想12月21号到23号请年假", "不行，22号上午要见客户。改成22号下午到24号", "确认"],
            ("annual", "2026-12-22", "2026-12-24", "pm"),
        ),
    ],
)
def test_a_correction_that_tells_why_keeps_the_afternoon_it_starts_on(
    stack: Stack, employee: str, turns: list[str], booked_as: tuple[str, str, str, str]
) -> None:
    """The morning the correction's story mentions is not the request's: the range starts on the
    afternoon named next to "thru"/"到"."""
    say = stack.chat(employee)
    before = ids(stack, employee)
    replies = [say(text) for text in turns]
    created = booked(stack, employee, before)
    assert [(a["leave_type"], a["from_date"], a["to_date"], a["half_day"]) for a in created] == [booked_as], (
        replies
    )
