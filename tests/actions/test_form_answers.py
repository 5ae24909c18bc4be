"""Answers inside the leave form and at yes/no questions, on tracker fixtures and the real backend.

In the form: a yes to "whole day or half?" takes the whole day and says so; a yes, no or skip at the
optional reason is no reason (never stored as one), while a real reason is kept. At a question
before a change: a yes that names the action being confirmed ("对，帮我撤销", read by the NLU as the
request itself) answers it; a message naming another record does not."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import confirm
from actions.leave import ActionSubmitLeave, ValidateLeaveForm
from actions.leave_requests import ActionCancelLeave
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")

ASKED_CANCEL = [{"event": "bot", "text": "…", "metadata": {"utter_action": "utter_cancel_confirm"}}]
PENDING = {"pending_confirmation": "cancel_leave", "leave_id": "41"}


@pytest.mark.parametrize(
    ("intent", "text", "lang"),
    [
        ("affirm", "是的，取消", "zh"),
        ("affirm", "yes cancel it", "en"),
        ("cancel_leave", "对，帮我撤销", "zh"),
        ("cancel_leave", "yes please cancel the request", "en"),
    ],
)
def test_a_yes_naming_the_action_confirms_it(intent: str, text: str, lang: str) -> None:
    tracker = make_tracker(lang=lang, intent=intent, text=text, slots=PENDING, events=ASKED_CANCEL)
    assert confirm.confirmed(tracker, "cancel_leave") == 41


@pytest.mark.parametrize(
    ("intent", "text", "entities"),
    [
        ("cancel_leave", "cancel the one on 29 December instead", []),
        ("cancel_leave", "撤销我的病假", [{"entity": "leave_type", "value": "sick"}]),
        ("approve_leave", "approve it", []),  # a different action than the one asked about
        ("deny", "不要取消", []),
        ("stop", "算了", []),
    ],
)
def test_other_answers_do_not_confirm(intent: str, text: str, entities: list[dict[str, Any]]) -> None:
    tracker = make_tracker(intent=intent, text=text, entities=entities, slots=PENDING, events=ASKED_CANCEL)
    assert confirm.confirmed(tracker, "cancel_leave") is None


async def test_cancel_named_as_the_answer_cancels_in_the_backend(
    backend: Backend, domain: dict[str, Any]
) -> None:
    slots = {
        "leave_type": "personal",
        "leave_start": "2026-12-16",
        "leave_end": "2026-12-16",
        "leave_half_day": "none",
        "leave_reason": "-",
        "leave_awaiting_confirmation": True,
    }
    dispatcher = CollectingDispatcher()
    await ActionSubmitLeave().run(dispatcher, make_tracker(employee="E1006", slots=slots), domain)
    [booked] = [m for m in dispatcher.messages if m.get("response") == "utter_leave_submitted"]
    leave_id = booked["leave_id"]
    pending = {"pending_confirmation": "cancel_leave", "leave_id": str(leave_id)}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee="E1006",
        lang="zh",
        intent="cancel_leave",
        text="对，帮我撤销",
        slots=pending,
        events=ASKED_CANCEL,
    )
    await ActionCancelLeave().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_cancelled"]
    status = {a["id"]: a["status"] for a in backend.get("/leave/applications", employee_id="E1006")}
    assert status[leave_id] == "cancelled"


async def test_yes_whole_day_read_as_a_correction_still_answers_the_half_day_question(
    domain: dict[str, Any],
) -> None:
    slots = {"leave_start": "2026-12-02", "leave_end": "2026-12-02", "requested_slot": "leave_half_day"}
    tracker = make_tracker(
        lang="zh", intent="correct", text="是，全天", slots=slots, active_loop="leave_form"
    )
    result = await ValidateLeaveForm().validate_leave_dates(
        "是，全天", CollectingDispatcher(), tracker, domain
    )
    assert result["leave_half_day"] == "none"
    assert (result.get("leave_start"), result.get("leave_end")) == (None, None)  # dates kept as they were


@pytest.mark.parametrize(
    ("lang", "intent", "text"),
    [
        ("en", "affirm", "yes"),
        ("en", "affirm", "just submit it"),
        ("en", "skip", "skip this one"),
        ("zh", "affirm", "好的，提交吧"),
        ("zh", "skip", "跳过吧"),
    ],
)
async def test_a_yes_to_whole_day_or_half_takes_the_whole_day_and_says_so(
    domain: dict[str, Any], lang: str, intent: str, text: str
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(lang=lang, intent=intent, text=text, active_loop="leave_form")
    result = await ValidateLeaveForm().validate_leave_half_day(text, dispatcher, tracker, domain)
    assert result == {"leave_half_day": "none"}
    assert responses(dispatcher) == ["utter_leave_half_day_default"]  # not the question again


async def test_an_unclear_answer_to_whole_day_or_half_is_asked_again(domain: dict[str, Any]) -> None:
    dispatcher, text = CollectingDispatcher(), "hmm, the blue one"
    tracker = make_tracker(intent="inform", text=text, active_loop="leave_form")
    result = await ValidateLeaveForm().validate_leave_half_day(text, dispatcher, tracker, domain)
    assert result == {"leave_half_day": None}
    assert responses(dispatcher) == ["utter_leave_half_day_unknown"]


@pytest.mark.parametrize(
    ("lang", "intent", "text"),
    [
        ("en", "affirm", "ok, submit it"),
        ("en", "skip", "no particular reason, skip"),
        ("en", "deny", "nah"),
        ("zh", "affirm", "好的，提交吧"),
        ("zh", "affirm", "直接提交就行"),
        ("zh", "deny", "不用了"),
        ("zh", "skip", "理由就空着"),
    ],
)
async def test_answers_without_a_reason_are_never_stored_as_the_reason(
    domain: dict[str, Any], lang: str, intent: str, text: str
) -> None:
    tracker = make_tracker(lang=lang, intent=intent, text=text, active_loop="leave_form")
    result = await ValidateLeaveForm().validate_leave_reason(text, CollectingDispatcher(), tracker, domain)
    assert result == {"leave_reason": "-"}  # "-": no reason, what the preview and submission send as none


@pytest.mark.parametrize(("lang", "text"), [("en", "my sister's wedding"), ("zh", "家里老人住院，需要陪护")])
async def test_a_real_reason_is_kept(domain: dict[str, Any], lang: str, text: str) -> None:
    tracker = make_tracker(lang=lang, intent="inform", text=text, active_loop="leave_form")
    result = await ValidateLeaveForm().validate_leave_reason(text, CollectingDispatcher(), tracker, domain)
    assert result == {"leave_reason": text}
