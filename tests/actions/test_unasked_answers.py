"""Answers that no question waits for, against the real backend: an undo worded as a change of mind
right after an enrolment or a submitted request (asked first, naming that record), a yes when
nothing waits for one (the action it names looks its records up; else the user hears what the
assistant can do), a typed yes to an offer, and a correction to a yes/no question. Each test uses
its own employees."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.training import ActionEnrolCourse, ActionWithdrawCourse
from actions.unasked import ActionStop, ActionUnaskedYes
from tests.actions.helpers import Backend, make_tracker, responses
from tests.actions.test_course_named_in_words import as_bot_events, enrolled_codes, user
from tests.actions.test_references_actions import book, leave_on

pytestmark = pytest.mark.usefixtures("action_settings")


def events_as_tracker_events(events: list[Any]) -> list[dict[str, Any]]:
    """The events an action returned, as they come back in the tracker of the next turn."""
    return [{"event": e["event"], "name": e.get("name"), "value": e.get("value")} for e in events]


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def enrol(
    domain: dict[str, Any],
    employee: str,
    text: str,
    before: list[dict[str, Any]],
    *,
    lang: str = "en",
    intent: str = "enrol_course",
    slots: dict[str, Any] | None = None,
) -> tuple[CollectingDispatcher, list[Any]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=employee,
        lang=lang,
        intent=intent,
        text=text,
        slots=slots,
        events=[*before, user(text, intent)],
    )
    events = await ActionEnrolCourse().run(dispatcher, tracker, domain)
    return dispatcher, events


async def test_an_undo_right_after_enrolling_asks_about_that_enrolment(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """Two enrolments; right after the second, "算了，还是退掉吧" (read as a stop) and "actually
    drop me from that one" (a withdrawal naming nothing) both mean the one just made."""
    employee = "E1035"
    first, _ = await enrol(domain, employee, "enrol me in Business Writing in English", [])
    assert responses(first) == ["utter_enrolled"]
    text = "enrol me in Presentation Skills"
    made, events = await enrol(domain, employee, text, [])
    just_made = made.messages[0]["enrolment_id"]
    assert slots_of(events)["just_done"] == {"kind": "enrolment", "id": just_made}
    history = [user(text, "enrol_course"), *events_as_tracker_events(events), *as_bot_events(made)]
    history += [user("好的", "affirm"), {"event": "bot", "text": "好的。", "metadata": {}}]

    for intent, said, action in (
        ("stop", "算了，还是退掉吧，那周要出差", ActionStop()),
        ("withdraw_course", "actually drop me from that one", ActionWithdrawCourse()),
    ):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            employee=employee, lang="zh", intent=intent, text=said, events=[*history, user(said, intent)]
        )
        asked = await action.run(dispatcher, tracker, domain)
        assert responses(dispatcher) == ["utter_withdraw_confirm"], dispatcher.messages
        assert dispatcher.messages[0]["title"] == "演讲与呈现技巧"
        assert slots_of(asked)["enrolment_id"] == str(just_made)
        assert slots_of(asked)["pending_confirmation"] == "withdraw_course"
    assert enrolled_codes(backend, employee) == {"COM-101", "COM-102"}  # nothing changed before a yes


@pytest.mark.parametrize(
    ("after_enrolling", "response"), [(True, "utter_stopped_kept"), (False, "utter_stopped")]
)
async def test_a_plain_stop_does_not_claim_nothing_was_done(
    domain: dict[str, Any], after_enrolling: bool, response: str
) -> None:
    """Right after an enrolment "never mind" says it stays; with nothing done, "nothing submitted"."""
    before = [user("enrol me", "enrol_course")]
    if after_enrolling:
        before.append({"event": "slot", "name": "just_done", "value": {"kind": "enrolment", "id": 1}})
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="stop", text="never mind", events=[*before, user("never mind", "stop")])
    events = await ActionStop().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == [response]
    assert slots_of(events)["pending_confirmation"] is None


async def test_an_undo_right_after_submitting_asks_about_that_request(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """ "Ugh actually cancel that one" right after a submission (read as a stop) asks about the request
    just made, although the employee has another one that could be cancelled."""
    employee = "E1036"
    await book(domain, employee, "2026-12-14")
    await book(domain, employee, "2026-12-16")
    just_made = leave_on(backend, employee, "2026-12-16")["id"]
    said = "ugh actually cancel that one, plans changed"
    history = [
        user("personal day on Dec 16 please", "apply_leave"),
        {"event": "slot", "name": "just_done", "value": {"kind": "leave", "id": just_made}},
        {"event": "bot", "text": "Submitted.", "metadata": {"utter_action": "utter_leave_submitted"}},
        user(said, "stop"),
    ]
    dispatcher = CollectingDispatcher()
    events = await ActionStop().run(
        dispatcher, make_tracker(employee=employee, intent="stop", text=said, events=history), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == just_made
    assert slots_of(events)["pending_confirmation"] == "cancel_leave"
    assert leave_on(backend, employee, "2026-12-16")["status"] == "open"


async def test_the_record_made_long_ago_is_not_that_one_any_more(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """Several turns after a submission, a stop saying "cancel it" no longer points at it: the plain
    stop reply, nothing asked about a record the user may have forgotten."""
    employee = "E1037"
    await book(domain, employee, "2026-12-14")
    await book(domain, employee, "2026-12-16")
    made = leave_on(backend, employee, "2026-12-16")["id"]
    history: list[dict[str, Any]] = [
        {"event": "slot", "name": "just_done", "value": {"kind": "leave", "id": made}}
    ]
    for text in ("how many days do I have", "thanks", "who is my manager", "and my contract?"):
        history += [user(text, "inform"), {"event": "bot", "text": "…", "metadata": {}}]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=employee, intent="stop", text="cancel it", events=[*history, user("cancel it", "stop")]
    )
    await ActionStop().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_stopped"]


@pytest.mark.parametrize(
    ("lang", "text", "before", "response"),
    [
        ("zh", "确定", "utter_stopped", "utter_nothing_to_confirm"),
        ("en", "yes", "utter_greet", "utter_nothing_to_confirm"),
        ("en", "yes", "utter_help", "utter_pick_one_offered"),
    ],
)
async def test_a_yes_that_answers_nothing_says_what_can_be_done(
    domain: dict[str, Any], lang: str, text: str, before: str, response: str
) -> None:
    """Nothing waits for a yes: not "didn't understand", but what the assistant does (in the user's
    language), or, after a menu of choices, which one."""
    buttons = domain["responses"][before][0].get("buttons") or []
    history = [
        user("hello", "greet"),
        {"event": "bot", "text": "…", "data": {"buttons": buttons}, "metadata": {"utter_action": before}},
        user(text, "affirm"),
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=None, lang=lang, intent="affirm", text=text, events=history)
    events = await ActionUnaskedYes().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == [response]
    assert slots_of(events)["pending_confirmation"] is None
    variants = domain["responses"][response]
    assert any(v.get("condition") for v in variants), "the reply has a Chinese variation"


async def test_a_correction_with_nothing_open_says_how_to_change_a_request(domain: dict[str, Any]) -> None:
    history = [
        user("thanks", "thank"),
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_thank"}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=None,
        intent="correct",
        text="no wait, I meant the 3rd",
        events=[*history, user("…", "correct")],
    )
    await ActionUnaskedYes().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_nothing_to_correct"]


async def test_yes_cancel_it_with_nothing_waiting_looks_the_requests_up(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """ "Yes cancel it" after the bot said nothing was waiting: the cancel look-up runs (here the
    only cancellable request is asked about); nothing is cancelled on this yes."""
    employee = "E1038"
    await book(domain, employee, "2026-12-17")
    target = leave_on(backend, employee, "2026-12-17")
    history = [
        user("never mind", "stop"),
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_stopped"}},
        user("yes cancel it", "affirm"),
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=employee, intent="affirm", text="yes cancel it", events=history)
    events = await ActionUnaskedYes().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == target["id"]
    assert slots_of(events)["pending_confirmation"] == "cancel_leave"
    assert leave_on(backend, employee, "2026-12-17")["status"] == "open"


async def test_yes_naming_approval_and_a_date_asks_about_that_request(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """A manager's "对，12月30号那个，同意" with no question open (the NLU reads a correction): the
    approval look-up finds that request and asks; nothing is approved on it."""
    await book(domain, "E1005", "2026-12-30")
    target = leave_on(backend, "E1005", "2026-12-30")
    text = "对，12月30号那个，同意"
    history = [user("刘洋的事假", "my_leave_requests"), {"event": "bot", "text": "…", "metadata": {}}]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee="E1004", lang="zh", intent="correct", text=text, events=[*history, user(text, "correct")]
    )
    events = await ActionUnaskedYes().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_approve_confirm" and msg["leave_id"] == target["id"]
    assert slots_of(events)["pending_confirmation"] == "approve_leave"
    assert leave_on(backend, "E1005", "2026-12-30")["status"] == "open"


async def test_a_correction_to_the_cancel_question_asks_about_the_request_it_names(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """Asked "Cancel request #A (Dec 14)?", "no wait, I meant the one on Dec 16" (a correction,
    not a yes or a no) is looked up again by the cancelling: it asks about the 16th instead."""
    employee = "E1040"
    await book(domain, employee, "2026-12-14")
    await book(domain, employee, "2026-12-16")
    first = leave_on(backend, employee, "2026-12-14")["id"]
    meant = leave_on(backend, employee, "2026-12-16")["id"]
    text = "no wait, I meant the one on Dec 16"
    history = [
        user("cancel my leave on Dec 14", "cancel_leave"),
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_cancel_confirm"}},
        user(text, "correct"),
    ]
    slots = {"pending_confirmation": "cancel_leave", "leave_id": str(first)}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=employee, intent="correct", text=text, slots=slots, events=history)
    events = await ActionUnaskedYes().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_cancel_confirm" and msg["leave_id"] == meant
    assert slots_of(events) == {"leave_id": str(meant), "pending_confirmation": "cancel_leave"}
    assert {leave_on(backend, employee, d)["status"] for d in ("2026-12-14", "2026-12-16")} == {"open"}
