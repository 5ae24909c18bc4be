"""Everyday wording end to end (issue 15): records named by date and by part of a course name, a
question in the middle of each form, a day that does not exist, next year's leave — the real Rasa
server and model, the real action server and backend, over HTTP, in both languages. What each
conversation changed is read back from the backend. "Today" is Monday 2026-11-23."""

from __future__ import annotations

import re

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def book_personal_day(stack: Stack, employee: str, day_words: str, iso: str, lang: str = "en") -> int:
    """Apply in chat for one personal day and return the new request's number."""
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    if lang == "zh":
        answers = ["我要请事假", day_words, "全天", "搬家", "确认"]
    else:
        answers = ["I'd like to take a personal day", day_words, "the whole day", "moving house", "yes"]
    replies = [say(text) for text in answers]
    created = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert len(created) == 1, replies
    assert created[0]["from_date"] == iso, created
    return created[0]["id"]


def test_a_request_named_by_its_date_is_cancelled_after_a_yes(stack: Stack) -> None:
    leave_id = book_personal_day(stack, "E1020", "December 22", "2026-12-22")
    say = stack.chat("E1020")
    asked = say("I need to cancel the leave I booked on December 22")
    assert f"#{leave_id}" in asked and "22 Dec 2026" in asked, asked
    assert stack.leave_requests("E1020")[leave_id]["status"] == "open"  # nothing before the yes
    assert f"#{leave_id}" in say("yes")
    assert stack.leave_requests("E1020")[leave_id]["status"] == "cancelled"


def test_a_request_named_by_its_date_in_chinese_is_kept_on_a_no(stack: Stack) -> None:
    leave_id = book_personal_day(stack, "E1021", "12月22日", "2026-12-22", lang="zh")
    say = stack.chat("E1021")
    asked = say("12月22号那个假帮我撤了")
    assert f"#{leave_id}" in asked and "确认撤销" in asked, asked
    kept = say("不用了")
    assert "没有做任何更改" in kept, kept
    assert stack.leave_requests("E1021")[leave_id]["status"] == "open"


@pytest.mark.parametrize(
    ("employee", "day_words", "iso", "lang", "ask", "yes"),
    [
        (
            "E1021",
            "December 29",
            "2026-12-29",
            "en",
            "ugh, the ski trip got cancelled (no snow 🙃). could you pull my leave for the 29th?",
            "yes, thanks!",
        ),
        ("E1020", "12月30日", "2026-12-30", "zh", "年底的旅行泡汤了😮‍💨，30号的假帮我撤下来吧", "确认撤销"),
    ],
)
def test_a_request_pulled_back_after_the_plans_fell_through_is_cancelled(
    stack: Stack, employee: str, day_words: str, iso: str, lang: str, ask: str, yes: str
) -> None:
    """The story and the dates do not make it a new request; a yes with thanks is the yes."""
    leave_id = book_personal_day(stack, employee, day_words, iso, lang=lang)
    say = stack.chat(employee)
    asked = say(ask)
    assert f"#{leave_id}" in asked, asked
    say(yes)
    assert stack.leave_requests(employee)[leave_id]["status"] == "cancelled"


@pytest.mark.parametrize(
    ("employee", "question", "expected"),
    [
        ("E1022", "what's happening with my leave request for the 18th of December?", "awaiting approval"),
        ("E1023", "我12月18号那天的假批了没有", "待审批"),
    ],
)
def test_the_status_of_a_request_named_by_its_date(
    stack: Stack, employee: str, question: str, expected: str
) -> None:
    leave_id = book_personal_day(stack, employee, "2026-12-18", "2026-12-18")
    before = len(stack.leave_requests(employee))
    reply = stack.chat(employee)(question)
    assert f"#{leave_id}" in reply and expected in reply, reply
    assert reply.count("•") == 1, reply  # that request, not the whole list
    assert len(stack.leave_requests(employee)) == before  # and no new application was started


def test_a_course_named_by_part_of_its_name_is_withdrawn_after_a_yes(stack: Stack) -> None:
    employee = "E1024"
    sql = next(c for c in stack.backend_get("/training/courses?q=sql", employee) if "SQL" in c["title_en"])
    session = next(s for s in sql["sessions"] if s["open_for_enrolment"])
    say = stack.chat(employee)
    enrolled = say(f'/enrol_course{{"session_id":"{session["id"]}"}}')

    def enrolment() -> dict:
        rows = stack.backend_get("/training/enrolments", employee)
        return next((e for e in rows if e["session_id"] == session["id"]), {})

    assert enrolment().get("status") in ("enrolled", "waitlisted"), enrolled
    asked = say("take me off the SQL course please")
    assert "SQL" in asked, asked
    assert enrolment()["status"] in ("enrolled", "waitlisted")
    say("yes")
    assert enrolment()["status"] == "withdrawn"


def test_questions_in_the_middle_of_the_leave_form_are_answered_then_it_asks_again(stack: Stack) -> None:
    say = stack.chat("E1025")
    assert "Which dates" in say("I want to book some annual leave")
    hours = say("hold on, how many training hours do I still need?")
    assert re.search(r"\bhours?\b", hours) and "Which dates" in hours, hours
    assert "Shall I submit it?" in say("next Friday")  # the form resumed and is complete

    say = stack.chat("E1026")
    say("我要请病假")
    manager = say("对了，我的领导是谁？")
    assert "请问哪几天" in manager and re.search(r"[\u4e00-\u9fff]{2,}", manager), manager


def test_a_question_in_the_middle_of_the_reject_form_is_answered_then_it_asks_again(stack: Stack) -> None:
    leave_id = book_personal_day(stack, "E1012", "2026-12-17", "2026-12-17")
    manager = stack.chat("E1002")
    assert f"#{leave_id}" in manager(f'/reject_leave{{"leave_id":"{leave_id}"}}')
    reply = manager("wait, where do I find my training courses for next month?")
    assert f"#{leave_id}" in reply, reply  # the reason is asked for again
    assert stack.leave_requests("E1012")[leave_id]["status"] == "open"


def test_a_day_that_does_not_exist_is_explained(stack: Stack) -> None:
    reply = stack.chat("E1027")("2027年4月31日请年假")
    assert "没有2027年4月31日这一天" in reply and "4月只有 30 天" in reply, reply
    assert "请问哪几天" in reply, reply


def test_leave_next_year_named_by_a_month_already_past_this_year(stack: Stack) -> None:
    say = stack.chat("E1028")
    understood = say("I want annual leave on 19 January")
    assert "19 Jan 2027" in understood, understood
    say("the whole day")
    preview = say("family visit")
    assert "19 Jan 2027" in preview and "Working days counted: 1" in preview, preview
    say("no")
