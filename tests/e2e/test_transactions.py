"""Transactions end to end: the real Rasa server and model, the real action server and the real
personnel backend, over HTTP. Each conversation is checked against what the backend then holds.

The whole stack's "today" is pinned to Monday 2026-11-23 (HRBOT_TODAY), so "next Monday" is a
known date and the PRC 2026 holiday calendar applies.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.stack import Stack, texts

pytestmark = pytest.mark.stack


def applications(stack: Stack, employee: str) -> dict[int, dict]:
    return {a["id"]: a for a in stack.backend_get("/leave/applications", employee)}


def annual_balance(stack: Stack, employee: str) -> dict:
    return next(b for b in stack.backend_get("/leave/balances", employee) if b["leave_type"] == "annual")


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons") or []]


def conversation(stack: Stack, employee: str) -> Any:
    who = f"web:{employee}:{uuid.uuid4()}"

    def say(text: str) -> list[dict]:
        replies = stack.say(who, text, employee=employee)
        assert replies, f"no reply to {text!r}"
        return replies

    return say


def test_leave_application_in_english_is_held_by_the_backend_and_approved_by_the_manager(
    stack: Stack,
) -> None:
    before = applications(stack, "E1001")
    balance_before = annual_balance(stack, "E1001")
    say = conversation(stack, "E1001")

    say("I want to apply for annual leave")
    say("next Monday to Wednesday")
    preview = texts(say("family trip"))
    assert "Working days counted: 3" in preview, preview
    assert f"{balance_before['balance'] - 3:g}" in preview, preview

    submitted = texts(say("yes"))
    created = {k: v for k, v in applications(stack, "E1001").items() if k not in before}
    assert len(created) == 1, created
    (leave_id, request), *_ = created.items()
    assert (request["leave_type"], request["from_date"], request["to_date"]) == (
        "annual",
        "2026-11-30",
        "2026-12-02",
    )
    assert request["working_days"] == 3 and request["reason"] == "family trip"
    assert request["status"] == "open" and request["channel"] == "web"
    assert f"#{leave_id}" in submitted, submitted

    # The manager sees it among the pending approvals and approves it with the button.
    manager = conversation(stack, "E1002")
    pending = manager("show pending approvals")
    approve = [
        b
        for b in buttons(pending)
        if b["payload"].startswith("/approve_leave") and str(leave_id) in b["payload"]
    ]
    assert approve, pending
    assert f"#{leave_id}" in texts(manager(approve[0]["payload"]))

    assert applications(stack, "E1001")[leave_id]["status"] == "approved"
    balance_after = annual_balance(stack, "E1001")
    assert balance_after["taken"] == balance_before["taken"] + 3
    assert balance_after["balance"] == balance_before["balance"] - 3
    # ... and Li Na's own balance answer shows the new figure.
    assert f"{balance_after['balance']:g}" in texts(say("how much annual leave do I have left"))


def test_leave_application_in_chinese_is_held_by_the_backend(stack: Stack) -> None:
    before = applications(stack, "E1001")
    say = conversation(stack, "E1001")

    say("我要请年假")
    say("12月14日到16日")
    preview = texts(say("家里有事"))
    assert "计入工作日：3 天" in preview, preview
    submitted = texts(say("确认"))

    created = {k: v for k, v in applications(stack, "E1001").items() if k not in before}
    assert len(created) == 1, created
    (leave_id, request), *_ = created.items()
    assert (request["leave_type"], request["from_date"], request["to_date"], request["reason"]) == (
        "annual",
        "2026-12-14",
        "2026-12-16",
        "家里有事",
    )
    assert re.search(rf"#{leave_id}\b", submitted) and "已提交" in submitted, submitted


def test_changing_ones_mind_leaves_nothing_behind(stack: Stack) -> None:
    before = applications(stack, "E1001")
    say = conversation(stack, "E1001")
    say("我要请假")
    assert "没有提交任何" in texts(say("算了"))
    say("I want to apply for sick leave tomorrow")
    assert re.search(r"nothing was submitted|didn't submit anything", texts(say("never mind")), re.I)
    assert applications(stack, "E1001") == before


def enrol_in_sw101(stack: Stack, employee: str) -> str:
    """Find the one-seat Git course in the catalogue and enrol by pressing the buttons offered."""
    say = conversation(stack, employee)
    found = say("any courses on git or code review?")
    details = [b for b in buttons(found) if b["payload"].startswith("/course_details")]
    assert details, found
    sessions = say(details[0]["payload"])
    enrol = [b for b in buttons(sessions) if b["payload"].startswith("/enrol_course")]
    assert enrol, sessions
    return texts(say(enrol[0]["payload"]))


def test_an_enrolment_fills_the_session_and_the_next_colleague_is_waitlisted(stack: Stack) -> None:
    first = enrol_in_sw101(stack, "E1004")
    assert "enrolled" in first.lower() and "Git" in first, first
    second = enrol_in_sw101(stack, "E1005")
    assert "waitlist" in second.lower() and "position 1" in second, second

    def status(employee: str) -> str:
        enrolments = stack.backend_get("/training/enrolments", employee)
        mine = [e for e in enrolments if e["course_code"] == "SW-101" and e["status"] != "withdrawn"]
        assert len(mine) == 1, enrolments
        return mine[0]["status"]

    assert (status("E1004"), status("E1005")) == ("enrolled", "waitlisted")


def test_requests_are_approved_and_cancelled_by_their_typed_number(stack: Stack) -> None:
    """Besides the buttons, people type the number they see ("approve #12", "撤销12号申请"): the
    request is found and changed after a yes; only the manager can approve, and only the owner can
    cancel. (E1003, whose manager is E1006: Li Na's annual leave is used up by the tests above.)"""

    def book(*answers: str) -> int:
        before = applications(stack, "E1003")
        say = conversation(stack, "E1003")
        replies = [texts(say(text)) for text in ("我要请年假", *answers, "年底休息", "确认")]
        created = [k for k in applications(stack, "E1003") if k not in before]
        assert len(created) == 1, replies
        return created[0]

    first, second = book("12月21日到22日"), book("12月28日", "全天")

    manager = conversation(stack, "E1006")
    asked = texts(manager(f"approve #{first}"))
    assert f"#{first}" in asked, asked
    assert applications(stack, "E1003")[first]["status"] == "open"  # nothing before the yes
    assert f"#{first}" in texts(manager("yes"))
    assert applications(stack, "E1003")[first]["status"] == "approved"

    # a manager of other people cannot approve this request by typing its number
    other = conversation(stack, "E1004")
    refused = texts(other(f"批准{second}号申请"))
    assert "已批准" not in refused, refused  # at most the requests waiting for E1004 are offered
    assert applications(stack, "E1003")[second]["status"] == "open"

    owner = conversation(stack, "E1003")
    replies = owner(f"撤销{second}号申请")
    picks = [b for b in buttons(replies) if f'"leave_id":"{second}"' in b["payload"]]
    if picks:  # the number is also a day of the month with leave on it: the user picks
        owner(picks[0]["payload"])
    else:
        assert f"#{second}" in texts(replies), texts(replies)
        owner("确认")
    assert applications(stack, "E1003")[second]["status"] == "cancelled"
