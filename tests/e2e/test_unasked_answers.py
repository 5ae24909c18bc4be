"""Answers no question waited for, end to end in both languages: an undo right after enrolling or
submitting, worded as a change of mind ("算了，还是退了吧", "actually cancel that one": asked first,
then done), and a yes or a correction when nothing waits for one (told what the assistant can do,
or the action it names looks up; never "didn't understand"). The real Rasa model, action server
and backend; what changed is read back from the backend. "Today" is Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.e2e.test_course_by_name import enrolled_codes
from tests.stack import Stack

pytestmark = pytest.mark.stack

DID_NOT_UNDERSTAND = ("didn't quite understand", "没太明白")


def understood(reply: str) -> bool:
    return not any(words in reply for words in DID_NOT_UNDERSTAND)


def test_withdrawing_right_after_enrolling_said_as_a_change_of_mind(stack: Stack) -> None:
    say = stack.chat("E1038")
    assert "已为您报名 英文商务写作" in say("报名英文商务写作")
    say("好的")
    asked = say("算了，还是退了吧，那周要出差")
    assert "确认退选 英文商务写作" in asked, asked
    assert enrolled_codes(stack, "E1038") == {"COM-101"}  # nothing withdrawn before the yes
    assert "已为您退选 英文商务写作" in say("确定")
    assert not enrolled_codes(stack, "E1038")


def test_cancelling_right_after_submitting_said_as_a_change_of_mind(stack: Stack) -> None:
    employee = "E1047"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    assert "Shall I submit it?" in say("I'd like to take a personal day on Dec 22, I'm moving house")
    say("yes")
    [made] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    asked = say("hmm actually cancel that one, my plans changed")
    assert f"Cancel request #{made['id']}" in asked, asked
    assert stack.leave_requests(employee)[made["id"]]["status"] == "open"
    say("yes cancel it")
    assert stack.leave_requests(employee)[made["id"]]["status"] == "cancelled"


def test_a_yes_when_nothing_waits_is_answered_in_the_users_language(stack: Stack) -> None:
    say = stack.chat("E1036")
    say("算了")
    reply = say("确定")
    assert "目前没有需要您确认的事项" in reply and understood(reply), reply
    say = stack.chat("E1036")
    say("hi")
    reply = say("yes please")
    assert "nothing waiting for your yes" in reply and understood(reply), reply


def test_yes_cancel_it_after_nothing_to_cancel_looks_up_then_a_correction_cancels(stack: Stack) -> None:
    """ "Yes cancel it" with no question open runs the cancel look-up; right after a submission a
    correction-worded undo ("no, actually cancel that one", read as a correction) asks about it."""
    employee = "E1037"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    assert "Shall I submit it?" in say("I'd like to take a personal day on Dec 23, family stuff")
    say("yes")
    [made] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    asked = say("no, actually cancel that one, the movers moved the date")
    assert f"Cancel request #{made['id']}" in asked, asked
    kept = say("no, keep it")
    assert understood(kept) and stack.leave_requests(employee)[made["id"]]["status"] == "open", kept
    looked_up = say("yes cancel it")  # nothing waits for a yes: the cancel look-up, which asks
    assert f"#{made['id']}" in looked_up and understood(looked_up), looked_up
    assert stack.leave_requests(employee)[made["id"]]["status"] == "open"
