"""An undo right after enrolling or submitting, worded as a change of mind ("算了，还是退了吧",
"actually cancel that one"), end to end in both languages: asked first, then done. The real Rasa
model, action server and backend; what changed is read back from the backend. "Today" is Monday
2026-11-23."""

from __future__ import annotations

import pytest

from tests.e2e.test_course_by_name import enrolled_codes
from tests.stack import Stack

pytestmark = pytest.mark.stack


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
