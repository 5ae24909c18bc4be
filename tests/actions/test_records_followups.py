"""Managers' and training-record follow-ups against the real backend, in both languages: a
rejection whose reason is in the same message is not asked for it again; "requests waiting for me to
approve" lists the approvals, not the manager's own requests; the training record lists the courses
completed this year with the hours; "where's that one held" after the enrolments gives the place of
the session booked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import (
    ActionApproveLeave,
    ActionAskRejectConfirmed,
    ActionRejectLeave,
    ValidateRejectForm,
    reason_given,
)
from actions.leave import ActionSubmitLeave
from actions.leave_requests import ActionMyLeaveRequests
from actions.records import (
    ActionShowContract,
    ActionShowProfile,
    ActionShowSensitive,
    ActionShowTrainingHours,
)
from actions.training import ActionCourseDetails
from tests.actions.helpers import Backend, make_tracker
from tests.actions.test_leave_actions import applications, leave_slots, slot_events

pytestmark = pytest.mark.usefixtures("action_settings")


@pytest.fixture
def requests_undone(backend: Backend) -> Iterator[None]:
    """Cancel the requests a test submits for E1001: the backend is shared by the whole session, and
    another file's preview of the same days would otherwise meet an overlapping request."""
    before = {a["id"] for a in applications(backend)}
    yield
    for a in applications(backend):
        if a["id"] not in before and a["status"] == "open":
            backend.post(f"/leave/applications/{a['id']}/cancel", employee="E1001")


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        (
            "en",
            "reject Li Na's leave on Dec 30, reason: year-end close needs her",
            "year-end close needs her",
        ),
        ("zh", "李娜30号那个驳回，因为年底结账离不开人", "年底结账离不开人"),
        # the reason in the clauses after the request named, without "because"
        (
            "en",
            "and turn down Li Na's one, we close the books on the 30th. she can pick another week",
            "we close the books on the 30th. she can pick another week",
        ),
        ("zh", "李娜30号那个不批了，那天年底结账，让她换到一月", "那天年底结账，让她换到一月"),
    ],
)
@pytest.mark.usefixtures("requests_undone")
async def test_a_reason_given_with_the_rejection_is_not_asked_again(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, reason: str
) -> None:
    await ActionSubmitLeave().run(
        CollectingDispatcher(),
        make_tracker(slots=leave_slots("2026-12-30", "2026-12-30"), sender_id=f"web:rej-{uuid.uuid4()}"),
        domain,
    )
    wanted = next(
        a["id"] for a in applications(backend) if a["from_date"] == "2026-12-30" and a["status"] == "open"
    )
    tracker = make_tracker(
        employee="E1002", lang=lang, intent="reject_leave", text=text, active_loop="reject_form"
    )
    slots = slot_events(await ValidateRejectForm().run(CollectingDispatcher(), tracker, domain))
    assert slots.get("leave_id") == str(wanted) and slots.get("reject_reason") == reason, slots
    # not asked why again; only, as for an approval named in words, whether to reject it (the form
    # asks the first of its slots still empty)
    assert slots.get("reject_ask_first") is True and "reject_confirmed" not in slots, slots
    assert slots.get("requested_slot", "reject_confirmed") == "reject_confirmed", slots


@pytest.mark.parametrize(
    ("lang", "text", "yes", "no"),
    [
        ("en", "turn down Li Na's leave on Feb 9, reason: the audit is that day", "yes", "no"),
        ("zh", "李娜2月9号那个驳回吧，那天要审计", "对，驳回", "算了不驳回"),
    ],
)
@pytest.mark.usefixtures("requests_undone")
async def test_a_rejection_named_in_words_with_its_reason_is_done_only_after_a_yes(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, yes: str, no: str
) -> None:
    """A rejection with its reason in one message asks first, naming whose request, which days and
    the reason, as an approval named in words does: a no rejects nothing, a yes rejects it."""
    await ActionSubmitLeave().run(
        CollectingDispatcher(),
        make_tracker(slots=leave_slots("2027-02-09", "2027-02-09"), sender_id=f"web:rej-{uuid.uuid4()}"),
        domain,
    )
    wanted = next(
        a["id"] for a in applications(backend) if a["from_date"] == "2027-02-09" and a["status"] == "open"
    )
    tracker = make_tracker(
        employee="E1002", lang=lang, intent="reject_leave", text=text, active_loop="reject_form"
    )
    slots = slot_events(await ValidateRejectForm().run(CollectingDispatcher(), tracker, domain))
    assert slots.get("leave_id") == str(wanted), slots
    assert slots.get("reject_ask_first") is True and "reject_confirmed" not in slots, slots
    question = CollectingDispatcher()
    await ActionAskRejectConfirmed().run(
        question,
        make_tracker(employee="E1002", lang=lang, intent="reject_leave", text=text, slots=slots),
        domain,
    )
    [msg] = question.messages
    assert msg["response"] == "utter_ask_reject_confirmed" and msg["leave_id"] == wanted
    assert ("9 Feb 2027" if lang == "en" else "2027年2月9日") in msg["period"]
    assert msg["reason"] == slots["reject_reason"]

    answer = CollectingDispatcher()
    await ActionRejectLeave().run(
        answer,
        make_tracker(
            employee="E1002", lang=lang, intent="deny", text=no, slots={**slots, "reject_confirmed": False}
        ),
        domain,
    )
    assert [m["response"] for m in answer.messages] == ["utter_nothing_changed"]
    assert next(a for a in applications(backend) if a["id"] == wanted)["status"] == "open"

    answer = CollectingDispatcher()
    await ActionRejectLeave().run(
        answer,
        make_tracker(
            employee="E1002", lang=lang, intent="affirm", text=yes, slots={**slots, "reject_confirmed": True}
        ),
        domain,
    )
    assert [m["response"] for m in answer.messages] == ["utter_leave_rejected"]
    assert next(a for a in applications(backend) if a["id"] == wanted)["status"] == "rejected"


def test_a_rejection_that_only_names_the_request_gives_no_reason() -> None:
    assert reason_given("reject #5 please") is None
    assert reason_given("yes reject") is None
    assert reason_given("驳回5号，理由：那周要上线") == "那周要上线"


@pytest.mark.parametrize(
    ("lang", "intent", "text", "reason"),
    [
        ("en", "reject_leave", "yes reject", None),
        ("en", "affirm", "yes", None),
        ("zh", "affirm", "对", None),
        ("zh", "reject_leave", "对，驳回吧", None),
        ("en", "inform", "we ship that week", "we ship that week"),
        ("zh", "inform", "那周要上线", "那周要上线"),
    ],
)
async def test_a_yes_to_why_is_never_the_rejection_reason(
    domain: dict[str, Any], lang: str, intent: str, text: str, reason: str | None
) -> None:
    """Asked "why are you rejecting #7?", a reply that only confirms is asked again, not sent to the
    employee as the reason."""
    tracker = make_tracker(
        employee="E1002",
        lang=lang,
        intent=intent,
        text=text,
        active_loop="reject_form",
        slots={"leave_id": "7", "requested_slot": "reject_reason"},
    )
    got = await ValidateRejectForm().validate_reject_reason(text, CollectingDispatcher(), tracker, domain)
    assert got == {"reject_reason": reason}


@pytest.mark.parametrize(
    ("employee", "text", "expected"),
    [
        ("E1002", "有没有 leave requests 在等我 approve?", {"utter_approvals", "utter_approvals_none"}),
        ("E1002", "anything waiting for me to approve?", {"utter_approvals", "utter_approvals_none"}),
        ("E1002", "有需要我审批的请假吗", {"utter_approvals", "utter_approvals_none"}),
        ("E1001", "has my leave been approved yet?", {"utter_leave_requests", "utter_leave_requests_none"}),
    ],
)
async def test_requests_waiting_for_the_users_approval_are_the_approvals(
    domain: dict[str, Any], employee: str, text: str, expected: set[str]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=employee, intent="my_leave_requests", text=text)
    await ActionMyLeaveRequests().run(dispatcher, tracker, domain)
    assert {m["response"] for m in dispatcher.messages} & expected, dispatcher.messages


@pytest.mark.parametrize(("lang", "heading"), [("en", "Completed in 2026:"), ("zh", "2026 年已完成的课程：")])
async def test_the_training_record_lists_the_courses_completed_this_year(
    backend: Backend, domain: dict[str, Any], lang: str, heading: str
) -> None:
    done = [
        r
        for r in backend.get("/records/training", employee="E1001", employee_id="E1001")
        if r["status"] == "completed" and r["end_date"].startswith("2026")
    ]
    assert done, "the demo has courses E1001 completed this year"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(lang=lang, intent="show_training_hours", text="which trainings did I do this year")
    await ActionShowTrainingHours().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert heading in msg["courses"] and all(r["course_code"] in msg["courses"] for r in done), msg


@pytest.mark.parametrize(("lang", "text"), [("en", "where's that one held"), ("zh", "那门课在哪里上")])
async def test_where_a_session_is_held_after_the_enrolments_is_the_booked_sessions_place(
    domain: dict[str, Any], lang: str, text: str
) -> None:
    events = [
        {"event": "user", "text": "my courses", "parse_data": {"intent": {"name": "my_enrolments"}}},
        {"event": "action", "name": "action_my_enrolments"},
        {"event": "bot", "text": "Your training enrolments"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "course_details"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee="E1009", lang=lang, intent="course_details", text=text, events=events)
    await ActionCourseDetails().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_enrolment_sessions" and "Room" in msg["lines"], msg


@pytest.mark.parametrize(
    ("lang", "text", "day"),
    [
        ("en", "pls approve li na's leave request for the 28th", "2026-12-28"),
        ("zh", "批准李娜9日那天的假", "2026-12-09"),
    ],
)
@pytest.mark.usefixtures("requests_undone")
async def test_a_request_named_by_person_and_days_without_a_month_is_found_next_month(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, day: str
) -> None:
    """Said on 23 November, "the 28th" of a pending request means December's: the manager is asked
    to confirm that request, not shown the whole list."""
    await ActionSubmitLeave().run(
        CollectingDispatcher(),
        make_tracker(slots=leave_slots(day, day), sender_id=f"web:appr-{uuid.uuid4()}"),
        domain,
    )
    wanted = next(a["id"] for a in applications(backend) if a["from_date"] == day and a["status"] == "open")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee="E1002", lang=lang, intent="approve_leave", text=text)
    await ActionApproveLeave().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_approve_confirm" and msg["leave_id"] == wanted, msg


@pytest.mark.parametrize(
    ("action", "lang", "text"),
    [
        (ActionShowSensitive(), "en", "what's wang wei's salary"),
        (ActionShowContract(), "zh", "王伟的合同什么时候到期"),
        (ActionShowTrainingHours(), "en", "can you check zhao min's training hours"),
        (ActionShowProfile(), "zh", "给我看看赵敏的档案"),
    ],
)
async def test_someone_elses_record_is_refused_not_answered_with_the_users_own(
    domain: dict[str, Any], action: Any, lang: str, text: str
) -> None:
    """Li Na (E1001) manages no one: a colleague's record is not hers to see, and hers is not shown
    in its place (least of all her salary)."""
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "sensitive_field", "value": "salary"}] if "salary" in text else []
    tracker = make_tracker(employee="E1001", lang=lang, text=text, entities=entities)
    await action.run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_record_only_own"], dispatcher.messages


async def test_a_managers_question_about_a_reports_record_is_not_answered_with_their_own(
    domain: dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionShowProfile().run(
        dispatcher, make_tracker(employee="E1002", text="show me li na's profile"), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_record_of_team_member" and msg["name"] == "Li Na", msg


@pytest.mark.parametrize("text", ["show my profile", "what's my salary", "我的合同什么时候到期"])
async def test_ones_own_records_are_shown_as_before(domain: dict[str, Any], text: str) -> None:
    dispatcher = CollectingDispatcher()
    action = (
        ActionShowContract()
        if "合同" in text
        else ActionShowSensitive()
        if "salary" in text
        else ActionShowProfile()
    )
    entities = [{"entity": "sensitive_field", "value": "salary"}] if "salary" in text else []
    await action.run(dispatcher, make_tracker(employee="E1001", text=text, entities=entities), domain)
    assert [m["response"] for m in dispatcher.messages] in (
        ["utter_profile"],
        ["utter_sensitive_value"],
        ["utter_contract"],
    ), dispatcher.messages


@pytest.mark.parametrize(("lang", "text"), [("en", "training hours last year?"), ("zh", "我去年的培训学时")])
async def test_training_hours_of_the_year_named(domain: dict[str, Any], lang: str, text: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionShowTrainingHours().run(dispatcher, make_tracker(lang=lang, text=text), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_training_hours" and msg["year"] == 2025, msg
