"""Answers inside the leave form and at yes/no questions, end to end in both languages: a yes to
"whole day or half?" takes the whole day (and says so), "ok, submit it" at the optional reason is
no reason (it never reaches the manager as one), and at "Cancel request #N?" a yes that names the
cancelling cancels while a no that names it keeps the request. The real Rasa model, action server
and backend; what changed is read back from the backend. "Today" is Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def test_yes_inside_the_form_and_at_the_cancel_question_in_english(stack: Stack) -> None:
    employee = "E1031"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    say("I'd like to take a personal day")
    assert "half" in say("December 9").lower()
    took_default = say("yes")
    assert "whole day" in took_default and "reason" in took_default.lower(), took_default
    preview = say("ok, submit it")
    assert "Shall I submit it?" in preview, preview
    say("yes")
    [created] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert created["from_date"] == created["to_date"] == "2026-12-09"
    assert created["half_day"] is None and float(created["working_days"]) == 1
    assert not created["reason"], created  # "ok, submit it" is not a reason

    asked = say("please cancel my leave on December 9")
    assert f"#{created['id']}" in asked, asked
    assert "haven't changed anything" in say("no, don't cancel it")
    assert stack.leave_requests(employee)[created["id"]]["status"] == "open"
    assert f"#{created['id']}" in say("cancel my leave on December 9")
    say("yes, go ahead and cancel it")
    assert stack.leave_requests(employee)[created["id"]]["status"] == "cancelled"


def test_yes_inside_the_form_and_at_the_cancel_question_in_chinese(stack: Stack) -> None:
    employee = "E1032"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    say("我要请事假")
    assert "半天" in say("12月10日")
    took_default = say("好的")
    assert "全天" in took_default and "事由" in took_default, took_default
    preview = say("好的，提交吧")
    assert "确认提交吗" in preview, preview
    say("确认")
    [created] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert created["from_date"] == "2026-12-10" and created["half_day"] is None
    assert not created["reason"], created  # "好的，提交吧" is not a reason

    assert f"#{created['id']}" in say("12月10号的假帮我取消")
    say("是的，取消吧")
    assert stack.leave_requests(employee)[created["id"]]["status"] == "cancelled"
