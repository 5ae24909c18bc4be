"""An undo worded as a change of mind right after an enrolment or a submitted request, against the
real backend: asked first, naming that record (not "nothing was submitted" while it stays); a
plain stop then says what was done stays done. Each test uses its own employees."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.training import ActionEnrolCourse, ActionWithdrawCourse
from actions.unasked import ActionStop
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
