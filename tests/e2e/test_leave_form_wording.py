"""The leave form with everyday wording, end to end in both languages (the failure kinds of
tuning3, in other words): a weekday with a day of month and a type answered loosely ("just take it
out of my annual i guess", reads like a balance question); a question about the count at the
preview, answered while the request keeps waiting, and the yes that follows submits it; "I'm sick
today" books sick leave for today; a booking with a time that is not leave never starts the form.
The real Rasa model, action server and backend; what was booked is read back from the backend.
"Today" is Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


@pytest.mark.parametrize(
    ("employee", "asked", "dated", "typed", "said", "yes"),
    [
        (
            "E1017",
            "could I have thu the 10th off? moving flat",
            "Thu 10 Dec 2026",
            "eh, put it against my anual i suppose",
            "Annual leave, Thu 10 Dec 2026",
            "ok submit",
        ),
        (
            "E1018",
            "我想周四10号请一天假，搬家",
            "2026年12月10日",
            "就从年假里扣吧",
            "年假，2026年12月10日",
            "确认",
        ),
    ],
)
def test_a_weekday_with_its_day_and_a_type_named_loosely(
    stack: Stack, employee: str, asked: str, dated: str, typed: str, said: str, yes: str
) -> None:
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    first = say(asked)
    assert dated in first, first  # 10 Dec 2026 is a Thursday: not 10 Nov, which has passed
    preview = say(typed)
    assert said in preview, preview
    assert "余额：" not in preview.split("\n")[0] and "leave balances" not in preview, preview
    say(yes)
    assert stack.new_requests(employee, before) == [("annual", "2026-12-10", "2026-12-10")]


@pytest.mark.parametrize(
    ("employee", "asked", "question", "yes"),
    [
        (
            "E1008",
            "I'd like annual leave from 2026-12-24 to 2026-12-28",
            "wait, just 2 days? is christmas not counted?",
            "alright, submit it",
        ),
        (
            "E1007",
            "我要请年假，2026-12-24到2026-12-28",
            "怎么只算2天？圣诞节不扣吗",
            "好，提交吧",
        ),
    ],
)
def test_a_question_about_the_count_at_the_preview_keeps_the_request(
    stack: Stack, employee: str, asked: str, question: str, yes: str
) -> None:
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    say(asked)
    answer = say(question)
    # answered, and the request still waits for a yes (said, or previewed again)
    assert any(w in answer for w in ("submit it?", "提交吗")), answer
    assert "leave balances" not in answer and "假期余额" not in answer, answer
    submitted = say(yes)
    assert "#" in submitted, submitted
    assert stack.new_requests(employee, before) == [("annual", "2026-12-24", "2026-12-28")]


@pytest.mark.parametrize(
    ("employee", "text", "said", "yes"),
    [
        ("E1029", "soz, i'm ill today, won't be in", "Sick leave, Mon 23 Nov 2026", "yes"),
        ("E1030", "不好意思，我今天生病了，来不了", "病假，2026年11月23日", "确认"),
    ],
)
def test_sick_today_is_sick_leave_for_today(
    stack: Stack, employee: str, text: str, said: str, yes: str
) -> None:
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    preview = say(text)
    assert said in preview, preview
    say(yes)
    assert stack.new_requests(employee, before) == [("sick", "2026-11-23", "2026-11-23")]


@pytest.mark.parametrize(
    ("employee", "text"),
    [
        ("E1009", "could you reserve the big meeting room on friday at 3pm"),
        ("E1010", "帮我订周五下午三点的大会议室"),
    ],
)
def test_a_booking_with_a_time_is_no_leave_request(stack: Stack, employee: str, text: str) -> None:
    say = stack.chat(employee)
    reply = say(text)
    assert "type of leave" not in reply and "哪种假" not in reply and "Got it" not in reply, reply


@pytest.mark.parametrize(
    ("employee", "turns"),
    [
        ("E1011", ["can I take the 10th off?", "how many annual days have I got left?", "ok, thanks"]),
        ("E1014", ["我想11号请一天假", "我年假还有几天", "好的，谢谢"]),
    ],
)
def test_the_form_lets_go_when_the_type_question_is_ignored_twice(
    stack: Stack, employee: str, turns: list[str]
) -> None:
    """Started by a message without a type, the form asks "Which type of leave?"; asked again after a
    question in between, then ignored again, it lets go: the thanks gets a clean answer."""
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    replies = [say(text) for text in turns]
    asked = ("type of leave", "哪种假")
    assert any(w in replies[0] for w in asked) and any(w in replies[1] for w in asked), replies
    assert not any(w in replies[2] for w in asked), replies
    assert stack.new_requests(employee, before) == []
