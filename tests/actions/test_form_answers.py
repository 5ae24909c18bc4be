"""Answers inside the leave form and at yes/no questions, on tracker fixtures and the real backend.

In the form: a yes to "whole day or half?" (asked only when a correction leaves it open) takes the
whole day and says so; the optional reason is never asked: it is taken from the request in the
user's words, or typed at the preview (a date or a yes there is not a reason). At a question
before a change: a yes that names the action being confirmed ("对，帮我撤销", read by the NLU as the
request itself) answers it; a message naming another record does not."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import confirm
from actions.leave import ActionLeaveAddReason, ActionSubmitLeave, ValidateLeaveForm
from actions.leave_requests import ActionCancelLeave
from actions.leave_types import type_words
from actions.reasons import reason_in
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")

ASKED_CANCEL = [{"event": "bot", "text": "…", "metadata": {"utter_action": "utter_cancel_confirm"}}]
PENDING = {"pending_confirmation": "cancel_leave", "leave_id": "41"}
TODAY = date(2026, 11, 23)


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
    ("text", "reason"),
    [
        (
            "annual leave on the 14th and 15th, my brother's graduation in Xi'an",
            "my brother's graduation in Xi'an",
        ),
        ("could I have next Thursday off? kid's school play 🎭", "kid's school play 🎭"),
        ("sick leave for today because of a bad migraine", "a bad migraine"),
        ("下周五请一天事假，要去办护照", "要去办护照"),
        ("12月8号到10号年假 事由：陪父母体检", "陪父母体检"),
    ],
)
def test_the_reason_said_with_the_request_is_taken_in_the_users_words(text: str, reason: str) -> None:
    assert reason_in(text, TODAY) == reason


@pytest.mark.parametrize(
    "text",
    [
        "annual leave next Monday to Wednesday please",
        "hi, can I book vacation Dec 14-18? thanks",
        "下周一到周三请年假，谢谢",
        "明天下午请半天假",
        "I'd like to take a sick day",
        "sick",  # the answer to "which type?" is not a reason
        "yes",
    ],
)
def test_a_request_that_gives_no_reason_gets_none(text: str) -> None:
    assert reason_in(text, TODAY, ["sick", "Sick leave", "病假"]) is None


async def test_the_reason_with_the_request_fills_the_form_without_a_question(domain: dict[str, Any]) -> None:
    text = "I need next Wednesday off, moving to a new flat"
    tracker = make_tracker(intent="apply_leave", text=text, active_loop="leave_form")
    events = await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain)
    assert {"event": "slot", "name": "leave_reason", "value": "moving to a new flat"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


async def test_a_reason_typed_at_the_preview_is_shown_in_a_new_preview_and_submitted(
    backend: Backend, domain: dict[str, Any]
) -> None:
    slots = {
        "leave_type": "personal",
        "leave_start": "2026-12-17",
        "leave_end": "2026-12-17",
        "leave_half_day": "none",
        "leave_awaiting_confirmation": True,
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee="E1006", lang="zh", text="家里装修要盯着", slots=slots)
    events = await ActionLeaveAddReason().run(dispatcher, tracker, domain)
    assert {e["name"]: e["value"] for e in events if e.get("event") == "slot"}[
        "leave_reason"
    ] == "家里装修要盯着"
    [preview] = [m for m in dispatcher.messages if m.get("response") == "utter_leave_preview"]
    assert "家里装修要盯着" in preview["reason"]

    dispatcher = CollectingDispatcher()
    confirmed = make_tracker(
        employee="E1006", intent="affirm", text="确认", slots={**slots, "leave_reason": "家里装修要盯着"}
    )
    await ActionSubmitLeave().run(dispatcher, confirmed, domain)
    stored = [
        a for a in backend.get("/leave/applications", employee_id="E1006") if a["from_date"] == "2026-12-17"
    ]
    assert [a["reason"] for a in stored] == ["家里装修要盯着"]


def test_a_reason_that_shares_a_character_with_a_type_name_is_still_a_reason() -> None:
    # 看病 holds 病 of 病假: naming a type is no reason, a visit to the doctor is
    sick = SimpleNamespace(code="sick", name_en="Sick leave", name_zh="病假")
    assert reason_in("看病", TODAY, type_words([sick])) == "看病"
    assert reason_in("病假", TODAY, type_words([sick])) is None


@pytest.mark.parametrize("text", ["Dec 3", "ok", "sick leave"])
async def test_words_at_the_preview_that_are_no_reason_say_how_to_go_on(
    domain: dict[str, Any], text: str
) -> None:
    slots = {"leave_type": "annual", "leave_start": "2026-12-17", "leave_end": "2026-12-17"}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, slots={**slots, "leave_awaiting_confirmation": True})
    events = await ActionLeaveAddReason().run(dispatcher, tracker, domain)
    assert events == [] and responses(dispatcher) == ["utter_leave_confirm_hint"]
