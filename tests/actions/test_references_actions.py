"""Requests and enrolments named in words, against the real backend: the one meant is found, a change
waits for a yes to its question (and only to it), several are offered, none is said; and the dates
step asks the backend at once, so a refusal is explained with the leave type kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import ActionApproveLeave
from actions.confirm import ActionConfirmationDeclined
from actions.leave import ActionSubmitLeave, ValidateLeaveForm
from actions.leave_requests import ActionCancelLeave, ActionMyLeaveRequests
from actions.training import ActionEnrolCourse, ActionSearchCourses, ActionWithdrawCourse
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def asked(question: str, **metadata: Any) -> list[dict[str, Any]]:
    """The conversation so far ends with the bot asking ``question``."""
    return [{"event": "bot", "text": "…", "metadata": {"utter_action": question, **metadata}}]


async def book(
    domain: dict[str, Any], employee: str, day: str, kind: str = "personal", sender: str = ""
) -> None:
    slots = {
        "leave_type": kind,
        "leave_start": day,
        "leave_end": day,
        "leave_half_day": "none",
        "leave_reason": "-",
        "leave_awaiting_confirmation": True,
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=employee, slots=slots, sender_id=sender or f"web:{employee}:{day}")
    await ActionSubmitLeave().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_submitted"], dispatcher.messages


def leave_on(backend: Backend, employee: str, day: str) -> dict[str, Any]:
    return next(
        a
        for a in backend.get("/leave/applications", employee_id=employee)
        if a["from_date"] == day and a["status"] in ("open", "approved")
    )


async def test_cancel_by_date_asks_then_cancels_only_on_a_yes_to_that_question(
    backend: Backend, domain: dict[str, Any]
) -> None:
    await book(domain, "E1004", "2026-12-22")
    target = leave_on(backend, "E1004", "2026-12-22")
    text = "I need to cancel the leave I booked on December 22"
    dispatcher = CollectingDispatcher()
    events = await ActionCancelLeave().run(
        dispatcher, make_tracker(employee="E1004", intent="cancel_leave", text=text), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == target["id"]
    assert "22 Dec 2026" in msg["period"]
    pending = slots_of(events)
    assert pending == {"leave_id": str(target["id"]), "pending_confirmation": "cancel_leave"}
    assert leave_on(backend, "E1004", "2026-12-22")["status"] == "open"  # nothing changed yet

    # a "yes" that does not answer the question (the bot said something else since) changes nothing
    stale = make_tracker(
        employee="E1004", intent="affirm", text="yes", slots=pending, events=asked("utter_leave_balance")
    )
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(dispatcher, stale, domain)
    assert "utter_leave_cancelled" not in responses(dispatcher)
    assert leave_on(backend, "E1004", "2026-12-22")["status"] == "open"

    yes = make_tracker(
        employee="E1004", intent="affirm", text="yes", slots=pending, events=asked("utter_cancel_confirm")
    )
    dispatcher = CollectingDispatcher()
    events = await ActionCancelLeave().run(dispatcher, yes, domain)
    assert responses(dispatcher) == ["utter_leave_cancelled"]
    assert slots_of(events)["pending_confirmation"] is None
    status = {a["id"]: a["status"] for a in backend.get("/leave/applications", employee_id="E1004")}
    assert status[target["id"]] == "cancelled"


async def test_no_to_the_question_changes_nothing(backend: Backend, domain: dict[str, Any]) -> None:
    await book(domain, "E1005", "2026-12-29")
    dispatcher = CollectingDispatcher()
    events = await ActionCancelLeave().run(
        dispatcher,
        make_tracker(employee="E1005", lang="zh", intent="cancel_leave", text="12月29日的假取消"),
        domain,
    )
    assert responses(dispatcher) == ["utter_cancel_confirm"]
    dispatcher = CollectingDispatcher()
    events = await ActionConfirmationDeclined().run(
        dispatcher, make_tracker(employee="E1005", lang="zh", intent="deny", slots=slots_of(events)), domain
    )
    assert responses(dispatcher) == ["utter_nothing_changed"]
    assert all(value is None for value in slots_of(events).values())
    assert leave_on(backend, "E1005", "2026-12-29")["status"] == "open"


async def test_a_date_is_never_taken_for_a_request_number(backend: Backend, domain: dict[str, Any]) -> None:
    """The bug this replaces: "December 22" cancelled (or failed to find) request #22."""
    await book(domain, "E1007", "2026-11-27")
    target = leave_on(backend, "E1007", "2026-11-27")
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(
        dispatcher,
        make_tracker(employee="E1007", intent="cancel_leave", text="drop my leave on the 27th"),
        domain,
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == target["id"]


async def test_status_by_date_in_chinese_and_none_matching(backend: Backend, domain: dict[str, Any]) -> None:
    await book(domain, "E1008", "2026-12-18")
    target = leave_on(backend, "E1008", "2026-12-18")
    dispatcher = CollectingDispatcher()
    await ActionMyLeaveRequests().run(
        dispatcher,
        make_tracker(employee="E1008", lang="zh", intent="my_leave_requests", text="我12月18号的请假批了没"),
        domain,
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_requests_matching"
    assert f"#{target['id']}" in msg["lines"] and "待审批" in msg["lines"] and msg["lines"].count("•") == 1

    dispatcher = CollectingDispatcher()
    await ActionMyLeaveRequests().run(
        dispatcher,
        make_tracker(employee="E1008", intent="my_leave_requests", text="what about my leave on March 3?"),
        domain,
    )
    first, listing = dispatcher.messages
    assert first["response"] == "utter_leave_none_matching" and "3 Mar 2027" in first["what"]
    assert listing["response"] == "utter_leave_requests" and f"#{target['id']}" in listing["lines"]


async def test_a_number_that_is_also_a_day_is_asked_about(backend: Backend, domain: dict[str, Any]) -> None:
    """ "N号申请": request #N or the leave on the Nth? When both exist, the user picks."""
    await book(domain, "E1009", "2026-12-21")
    target = leave_on(backend, "E1009", "2026-12-21")
    # another request of E1009's on a working day whose day of the month is the first one's number
    day = target["id"] if target["id"] <= 28 else 15
    when = next(
        d
        for d in (date(2027, m, day) for m in range(1, 13))
        if d.weekday() < 5 and not (d.month == 1 and d.day == 1)
    )
    await book(domain, "E1009", when.isoformat())
    other = leave_on(backend, "E1009", when.isoformat())
    text = f"{target['id']}号申请撤销" if target["id"] <= 28 else f"撤销{day}号的假"
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(
        dispatcher, make_tracker(employee="E1009", lang="zh", intent="cancel_leave", text=text), domain
    )
    [msg] = dispatcher.messages
    if target["id"] <= 28:
        assert msg["response"] == "utter_which_record"
        payloads = {b["payload"] for b in msg["buttons"]}
        assert f'/cancel_leave{{"leave_id":"{target["id"]}"}}' in payloads
        assert f'/cancel_leave{{"leave_id":"{other["id"]}"}}' in payloads
    else:  # ids above 31 cannot be days: only the day reading remains
        assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == other["id"]


async def test_cancelling_leave_that_has_started_is_explained(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """The backend's rule, shown on the list: approved leave that has started only HR can cancel."""
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(
        dispatcher,
        make_tracker(employee="E1001", intent="cancel_leave", text="cancel my leave on May 6"),
        domain,
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_error_invalid_state" or msg["response"] == "utter_error_leave_started"


async def test_approve_by_name_asks_first(backend: Backend, domain: dict[str, Any]) -> None:
    await book(domain, "E1001", "2027-01-11")
    target = leave_on(backend, "E1001", "2027-01-11")
    dispatcher = CollectingDispatcher()
    events = await ActionApproveLeave().run(
        dispatcher,
        make_tracker(employee="E1002", intent="approve_leave", text="approve Li Na's leave on 11 January"),
        domain,
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_approve_confirm" and msg["leave_id"] == target["id"]
    yes = make_tracker(
        employee="E1002",
        intent="affirm",
        text="yes",
        slots=slots_of(events),
        events=asked("utter_approve_confirm"),
    )
    dispatcher = CollectingDispatcher()
    await ActionApproveLeave().run(dispatcher, yes, domain)
    assert responses(dispatcher) == ["utter_leave_approved"]
    assert leave_on(backend, "E1001", "2027-01-11")["status"] == "approved"


async def test_withdraw_by_part_of_the_course_name(backend: Backend, domain: dict[str, Any]) -> None:
    # E1001 is enrolled in the privacy course (seed); sign her up for the Python course too
    dispatcher = CollectingDispatcher()
    await ActionSearchCourses().run(
        dispatcher,
        make_tracker(intent="search_courses", entities=[{"entity": "topic", "value": "python"}]),
        domain,
    )
    course_id = dispatcher.messages[0]["buttons"][0]["payload"].split('"course_id":"')[1].split('"')[0]
    course = backend.get(f"/training/courses/{course_id}")
    session_id = next(s["id"] for s in course["sessions"] if s["open_for_enrolment"])
    button = f'/enrol_course{{"session_id":"{session_id}"}}'
    await ActionEnrolCourse().run(
        CollectingDispatcher(),
        make_tracker(intent="enrol_course", text=button, slots={"session_id": str(session_id)}),
        domain,
    )
    mine = {e["course_code"]: e for e in backend.get("/training/enrolments", employee_id="E1001")}
    python = next(e for code, e in mine.items() if code == course["code"])

    dispatcher = CollectingDispatcher()
    events = await ActionWithdrawCourse().run(
        dispatcher, make_tracker(lang="zh", intent="withdraw_course", text="Python那门课我不上了"), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_withdraw_confirm" and "Python" in msg["title"]
    yes = make_tracker(
        lang="zh",
        intent="affirm",
        text="是的",
        slots=slots_of(events),
        events=asked("utter_withdraw_confirm"),
    )
    dispatcher = CollectingDispatcher()
    await ActionWithdrawCourse().run(dispatcher, yes, domain)
    assert responses(dispatcher) == ["utter_withdrawn"]
    status = {e["id"]: e["status"] for e in backend.get("/training/enrolments", employee_id="E1001")}
    assert status[python["id"]] == "withdrawn"
    # the privacy course is untouched
    assert any(
        e["status"] == "enrolled" and "COMP" in e["course_code"]
        for e in backend.get("/training/enrolments", employee_id="E1001")
    )

    # a course they are not enrolled in names nothing: the list, no guess
    dispatcher = CollectingDispatcher()
    await ActionWithdrawCourse().run(
        dispatcher, make_tracker(intent="withdraw_course", text="take me off the Kubernetes course"), domain
    )
    assert responses(dispatcher) == ["utter_withdraw_pick"]


@pytest.mark.parametrize(
    ("text", "lang", "response"),
    [
        ("2026-09-01", "en", "utter_error_backdated_too_far"),
        ("12月28日到1月5日", "zh", "utter_error_crosses_year_end"),
        ("Saturday 5 December", "en", "utter_error_no_working_days"),
        ("明天上午到后天", "zh", "utter_error_half_day_not_allowed"),
    ],
)
async def test_dates_the_backend_refuses_are_explained_at_the_dates_question(
    domain: dict[str, Any], text: str, lang: str, response: str
) -> None:
    tracker = make_tracker(employee="E1011", lang=lang, text=text, slots={"leave_type": "annual"})
    dispatcher = CollectingDispatcher()
    result = await ValidateLeaveForm().validate_leave_dates(text, dispatcher, tracker, domain)
    assert result == {  # asked again; the words are kept for a switch of type
        "leave_dates": None,
        "leave_start": None,
        "leave_end": None,
        "leave_refused": {"leave_type": "annual", "dates": text},
    }
    assert responses(dispatcher) == [response]


async def test_an_afternoon_start_of_a_range_is_kept(domain: dict[str, Any]) -> None:
    """ "明天下午到后天" used to lose the afternoon: the backend counts the first day as half."""
    text = "明天下午到后天"
    tracker = make_tracker(employee="E1011", lang="zh", text=text, slots={"leave_type": "annual"})
    result = await ValidateLeaveForm().validate_leave_dates(text, CollectingDispatcher(), tracker, domain)
    assert (result["leave_start"], result["leave_end"], result["leave_half_day"]) == (
        "2026-11-24",
        "2026-11-25",
        "pm",
    )
