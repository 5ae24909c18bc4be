"""Answers inside the leave form and at yes/no questions, end to end in both languages: a single
day is a whole day without a question (the preview says so), nothing optional is asked, a reason
said with the request or typed at the preview reaches the manager, a yes at the preview submits
with no reason invented, and at "Cancel request #N?" a yes that names the cancelling cancels while
a no that names it keeps the request. The real Rasa model, action server
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
    preview = say("December 9")
    assert "whole day" in preview and "Shall I submit it?" in preview, preview
    say("ok, submit it")
    [created] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert created["from_date"] == created["to_date"] == "2026-12-09"
    assert created["half_day"] is None and float(created["working_days"]) == 1
    assert not created["reason"], created  # no reason was given: none is invented

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
    preview = say("12月10日")
    assert "全天" in preview and "确认提交吗" in preview, preview
    again = say("孩子学校开家长会")
    assert "事由：孩子学校开家长会" in again and "确认提交吗" in again, again
    say("好的，提交吧")
    [created] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert created["from_date"] == "2026-12-10" and created["half_day"] is None
    assert created["reason"] == "孩子学校开家长会", created

    assert f"#{created['id']}" in say("12月10号的假帮我取消")
    say("是的，取消吧")
    assert stack.leave_requests(employee)[created["id"]]["status"] == "cancelled"


def test_the_reason_said_with_the_request_reaches_the_manager_without_a_question(stack: Stack) -> None:
    employee = "E1033"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    preview = say("can I take annual leave on Dec 16 and 17? my cousin is getting married in Suzhou")
    assert "Reason: my cousin is getting married in Suzhou" in preview, preview
    say("yes")
    [created] = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert (created["from_date"], created["to_date"]) == ("2026-12-16", "2026-12-17")
    assert created["reason"] == "my cousin is getting married in Suzhou"
