"""What the user says about the leave type inside the leave form, on tracker fixtures and the real
backend (demo data: E1005 has no annual leave left).

After the backend refuses the dates, naming another type ("那改成事假吧", "ok make it unpaid leave
then") goes on with the same dates and the new type, checked by the backend again, whatever the NLU
made of the message (a question about the refusal, a request for HR): no policy answer, no case, no
second question about the dates. At "Which type of leave?", a reason is kept as the reason and a yes
is not called an unknown type. A type the request points to is not asked for: a Chinese name typed
with a same-sound character (年价 for 年假), or the one type whose balance the user just looked at."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.leave import ActionLeaveBalance, ValidateLeaveForm
from actions.leave_types import leave_form_takes
from actions.policy import ActionAnswerPolicy, ActionHandoffToHR
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")

NO_BALANCE = "E1005"


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def entity(text: str, words: str, value: str) -> dict[str, Any]:
    start = text.index(words)
    return {"entity": "leave_type", "start": start, "end": start + len(words), "value": value}


async def ask_annual(domain: dict[str, Any], text: str, lang: str) -> tuple[dict[str, Any], list[str]]:
    """The request for annual leave that the backend refuses (no balance left): what the form keeps."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=NO_BALANCE,
        lang=lang,
        intent="apply_leave",
        text=text,
        slots={"leave_type": "annual", "requested_slot": "leave_dates"},
        events=[{"event": "slot", "name": "leave_dates", "value": text}],
        active_loop="leave_form",
    )
    events = await ValidateLeaveForm().run(dispatcher, tracker, domain)
    return slots_of(events), responses(dispatcher)


def after_refusal(kept: dict[str, Any], lang: str, intent: str, text: str, value: str) -> Any:
    """The next message, as the action server receives it after the refusal."""
    words = next(w for w in ("事假", "unpaid leave", "sick leave", "personal leave") if w in text)
    return make_tracker(
        employee=NO_BALANCE,
        lang=lang,
        intent=intent,
        text=text,
        entities=[entity(text, words, value)],
        slots={"leave_type": "annual", "requested_slot": "leave_dates", **kept},
        active_loop="leave_form",
    )


SWITCHES = [
    # the intents are what the NLU made of these messages: a question about the refusal, a request
    # for HR, a new request
    ("zh", "我想请两天年假 下下周四周五", "啊 年假不够吗。。那改成事假吧", "ask_policy", "personal"),
    ("en", "annual leave Dec 17 to 18 please", "ok make it unpaid leave then", "request_handoff", "personal"),
    ("en", "annual leave on Dec 21 and 22", "use sick leave instead", "apply_leave", "sick"),
]
DAYS = [("2026-12-10", "2026-12-11"), ("2026-12-17", "2026-12-18"), ("2026-12-21", "2026-12-22")]


@pytest.mark.parametrize(
    ("lang", "asked", "switch", "intent", "value", "start", "end"),
    [(*switch, *days) for switch, days in zip(SWITCHES, DAYS, strict=True)],
)
async def test_after_a_refusal_another_type_keeps_the_dates_and_is_checked_again(
    backend: Backend,
    domain: dict[str, Any],
    lang: str,
    asked: str,
    switch: str,
    intent: str,
    value: str,
    start: str,
    end: str,
) -> None:
    kept, said = await ask_annual(domain, asked, lang)
    assert said == ["utter_error_insufficient_balance"]
    assert kept["leave_start"] is None and kept["leave_refused"]["dates"] == asked

    tracker = after_refusal(kept, lang, intent, switch, value)
    # the action the NLU chose says nothing and opens nothing: the form takes the message, next
    for action in (ActionAnswerPolicy(), ActionHandoffToHR(), ActionLeaveBalance()):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, domain)
        assert [(e["event"], e.get("name")) for e in events] == [("followup", "leave_form")]
        assert dispatcher.messages == []
    dispatcher = CollectingDispatcher()
    switched = slots_of(await ValidateLeaveForm().run(dispatcher, tracker, domain))
    assert (switched["leave_type"], switched["leave_start"], switched["leave_end"]) == (value, start, end)
    assert switched["leave_refused"] is None
    assert responses(dispatcher) == []  # accepted: the preview follows and shows the dates
    booked = backend.get("/leave/applications", NO_BALANCE, employee_id=NO_BALANCE)
    assert not [a for a in booked if a["from_date"] == start]  # nothing is submitted before the yes


@pytest.mark.parametrize(
    ("lang", "text", "words", "value"),
    [("en", "is sick leave paid?", "sick leave", "sick"), ("zh", "那事假扣钱吗？", "事假", "personal")],
)
async def test_after_a_refusal_a_question_about_another_type_is_a_question(
    domain: dict[str, Any], lang: str, text: str, words: str, value: str
) -> None:
    kept, _ = await ask_annual(domain, "我想请两天年假 下下周四周五", "zh")
    tracker = make_tracker(
        employee=NO_BALANCE,
        lang=lang,
        intent="ask_policy",
        text=text,
        entities=[entity(text, words, value)],
        slots={"leave_type": "annual", "requested_slot": "leave_dates", **kept},
        active_loop="leave_form",
    )
    assert not await leave_form_takes(tracker)  # the documents answer it
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert "leave_type" not in slots and not slots.get("leave_start")


async def test_after_a_refusal_new_dates_or_the_same_type_are_not_a_switch(domain: dict[str, Any]) -> None:
    kept, _ = await ask_annual(domain, "我想请两天年假 下下周四周五", "zh")
    # new dates with the new type: the new dates are the ones checked
    text = "那改成事假吧，12月14号到15号"
    tracker = after_refusal(kept, "zh", "correct", text, "personal")
    switched = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert (switched["leave_type"], switched["leave_start"]) == ("personal", "2026-12-14")
    # the refused type named again is a question about it: answered, not a switch
    tracker = make_tracker(
        employee=NO_BALANCE,
        lang="zh",
        intent="check_leave_balance",
        text="年假还剩几天？",
        entities=[entity("年假还剩几天？", "年假", "annual")],
        slots={"leave_type": "annual", "requested_slot": "leave_dates", **kept},
        active_loop="leave_form",
    )
    dispatcher = CollectingDispatcher()
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_balance"]


def at_type_question(text: str, lang: str, intent: str = "inform", **extra: Any) -> Any:
    """An answer to "Which type of leave?": Rasa fills the slot with the text, the form validates."""
    return make_tracker(
        lang=lang,
        intent=intent,
        text=text,
        slots={"requested_slot": "leave_type", "leave_type": text, "leave_start": "2026-12-02", **extra},
        events=[{"event": "slot", "name": "leave_type", "value": text}],
        active_loop="leave_form",
    )


@pytest.mark.parametrize(("text", "lang"), [("回老家办点事", "zh"), ("visiting family", "en")])
async def test_a_reason_at_the_type_question_is_kept_and_the_type_asked_again(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ValidateLeaveForm().run(dispatcher, at_type_question(text, lang), domain))
    assert slots["leave_reason"] == text and slots["leave_type"] is None
    assert responses(dispatcher) == ["utter_leave_reason_noted"]
    assert dispatcher.messages[0]["reason"] == text


@pytest.mark.parametrize(("text", "lang"), [("yes that's right", "en"), ("是的", "zh")])
async def test_a_yes_at_the_type_question_is_told_the_types_not_called_a_type(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = at_type_question(text, lang, intent="affirm")
    slots = slots_of(await ValidateLeaveForm().run(dispatcher, tracker, domain))
    assert slots["leave_type"] is None and not slots.get("leave_reason")
    assert responses(dispatcher) == ["utter_leave_type_needed"]
    assert ("年假" if lang == "zh" else "Annual leave") in dispatcher.messages[0]["names"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("年价", "annual"),
        ("病价", "sick"),
        ("事家", "personal"),
        ("陪产价", "paternity"),
        ("婚驾", "marriage"),
    ],
)
async def test_a_chinese_type_name_typed_with_a_same_sound_character_is_that_type(
    domain: dict[str, Any], text: str, code: str
) -> None:
    tracker = at_type_question(text, "zh")
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["leave_type"] == code and not slots.get("leave_reason")


@pytest.mark.parametrize(
    ("text", "lang", "half", "reason"),
    [
        ("fine, then annual leave, just the morning, picking up my kid", "en", "am", "picking up my kid"),
        ("行，那就年假吧，下午半天，去医院拿报告", "zh", "pm", "去医院拿报告"),
    ],
)
async def test_a_type_named_in_a_correction_answers_the_type_question(
    domain: dict[str, Any], text: str, lang: str, half: str, reason: str
) -> None:
    """Read as a correction, the answer to "Which type of leave?" still gives the type, the half day
    and the reason it says."""
    tracker = make_tracker(
        employee="E1016",
        lang=lang,
        intent="correct",
        text=text,
        slots={"requested_slot": "leave_type", "leave_start": "2026-12-11", "leave_end": "2026-12-11"},
        events=[{"event": "slot", "name": "leave_dates", "value": text}],
        active_loop="leave_form",
    )
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert (slots["leave_type"], slots["leave_half_day"], slots["leave_reason"]) == ("annual", half, reason)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我想请年价 下周三到周五", "annual"),
        ("帮我请两天病价，明天和后天", "sick"),
        ("今年家里有事，下周三请一天假", None),  # 年+家 of 今年/家里: no 年假
        ("这是假的吗？下周三请一天", None),
    ],
)
async def test_a_request_naming_a_type_by_its_sound_is_not_asked_the_type(
    domain: dict[str, Any], text: str, code: str | None
) -> None:
    tracker = make_tracker(lang="zh", intent="apply_leave", text=text, active_loop="leave_form")
    extracted = await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), tracker, domain)
    assert extracted.get("leave_type") == code


async def test_a_request_with_a_misspelt_type_goes_straight_to_its_dates(domain: dict[str, Any]) -> None:
    """ "我想请年价 下周三到周五": annual leave from Wednesday to Friday, and no reason (the request is
    not one); the preview follows with nothing asked."""
    text = "我想请年价 下周三到周五"
    tracker = make_tracker(
        employee="E1016", lang="zh", intent="apply_leave", text=text, active_loop="leave_form"
    )
    dispatcher = CollectingDispatcher()
    slots = slots_of(await ValidateLeaveForm().run(dispatcher, tracker, domain))
    assert (slots["leave_type"], slots["leave_start"], slots["leave_end"]) == (
        "annual",
        "2026-12-02",
        "2026-12-04",
    )
    assert "leave_reason" not in slots
    assert responses(dispatcher) == []  # nothing to ask: the preview follows and shows the dates


def balance_then(request: str, *, between: bool = False) -> list[dict[str, Any]]:
    """Events of a balance question about one type, answered, then (maybe another turn and) the request."""
    balance = {
        "event": "user",
        "text": "how many vacation days do I have left this year?",
        "parse_data": {
            "intent": {"name": "check_leave_balance"},
            "entities": [{"entity": "leave_type", "value": "annual"}],
        },
    }
    other = [
        {"event": "user", "text": "who is my manager?", "parse_data": {"intent": {"name": "show_manager"}}},
        {"event": "action", "name": "action_show_manager"},
        {"event": "action", "name": "action_listen"},
    ]
    return [
        balance,
        {"event": "action", "name": "action_leave_balance"},
        {"event": "action", "name": "action_listen"},
        *(other if between else []),
        {"event": "user", "text": request, "parse_data": {"intent": {"name": "apply_leave"}}},
    ]


async def test_a_request_right_after_one_types_balance_is_that_type_and_says_so(
    domain: dict[str, Any],
) -> None:
    request = "nice. then put me down for Dec 21 thru 24"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="apply_leave", text=request, events=balance_then(request), active_loop="leave_form"
    )
    extracted = await ValidateLeaveForm().extract_leave_type(dispatcher, tracker, domain)
    assert extracted == {"leave_type": "annual"}
    [said] = dispatcher.messages
    assert said["response"] == "utter_leave_type_from_balance" and said["name"] == "Annual leave"
    # with another turn in between, the type is asked
    events = balance_then(request, between=True)
    tracker = make_tracker(intent="apply_leave", text=request, events=events, active_loop="leave_form")
    assert await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), tracker, domain) == {}


def typed_at_type_question(text: str, lang: str, intent: str, **extra: Any) -> Any:
    """A message at "Which type of leave?" that the NLU read as another request (no slot candidate:
    the digression's action runs first, then the form)."""
    return make_tracker(
        lang=lang,
        intent=intent,
        text=text,
        slots={"requested_slot": "leave_type", **extra},
        events=[{"event": "action", "name": "action_ask_leave_type"}],
        active_loop="leave_form",
    )


@pytest.mark.parametrize(
    ("text", "lang", "intent", "code"),
    [
        ("just take it out of my annual i guess", "en", "check_leave_balance", "annual"),
        ("put it on my anual lv i suppose", "en", "ask_policy", "annual"),
        ("AL", "en", "check_leave_balance", "annual"),
        ("persnal i guess", "en", "ask_policy", "personal"),
        ("就从年假里扣吧", "zh", "check_leave_balance", "annual"),
        ("算事假吧", "zh", "ask_policy", "personal"),
        # a bare type with a question's tail reads like a follow-up to a balance just shown
        ("年假呢？", "zh", "ask_policy", "annual"),
        ("annual then?", "en", "ask_policy", "annual"),
    ],
)
async def test_a_type_named_loosely_at_the_type_question_answers_it_whatever_the_nlu_read(
    domain: dict[str, Any], text: str, lang: str, intent: str, code: str
) -> None:
    """tuning3 t3-en-04: a hedged or shortened type name reads like a balance question; the balance
    action stays silent and the form takes the type (no balance list, no "I still need the type").
    The form runs next whichever rule chose the action: "年假呢？" right after a balance answer
    went to the balance action by the follow-up rule, which stayed silent, and nothing replied."""
    tracker = typed_at_type_question(text, lang, intent, leave_start="2026-12-09", leave_dates="wed the 9th")
    for action in (ActionLeaveBalance(), ActionAnswerPolicy()):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, domain)
        assert [(e["event"], e.get("name")) for e in events] == [("followup", "leave_form")]
        assert dispatcher.messages == []
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["leave_type"] == code


@pytest.mark.parametrize(
    ("text", "lang"), [("how much annual leave do I have left?", "en"), ("年假还剩几天", "zh")]
)
async def test_a_balance_question_at_the_type_question_is_still_answered(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    tracker = typed_at_type_question(text, lang, "check_leave_balance")
    dispatcher = CollectingDispatcher()
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_balance"]


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        ("from the 21st thru the 23rd, annual", "en", "2026-12-21", "2026-12-23"),
        ("年假，21号到23号", "zh", "2026-12-21", "2026-12-23"),
    ],
)
async def test_dates_and_a_type_given_together_at_the_type_question_fill_both(
    domain: dict[str, Any], text: str, lang: str, start: str, end: str
) -> None:
    """tuning3 t3-en-05: "from the 21st thru the 23rd, annual" at "Which type?" (said on the 23rd of
    November: the days are December's) is not asked for the dates again."""
    tracker = make_tracker(
        employee="E1039" if lang == "en" else "E1027",  # nothing of theirs booked by other tests
        lang=lang,
        intent="inform",
        text=text,
        slots={"requested_slot": "leave_type", "leave_type": text},
        events=[{"event": "slot", "name": "leave_type", "value": text}],
        active_loop="leave_form",
    )
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert (slots["leave_type"], slots["leave_start"], slots["leave_end"]) == ("annual", start, end)


@pytest.mark.parametrize(
    ("text", "lang", "code"),
    [
        ("need annual lv 16th-18th december for a wedding", "en", "annual"),
        ("can i book AL for fri", "en", "annual"),
        # "leave" typed or voice-typed wrong after the type's word
        ("could i put in sick leaf for tmrw", "en", "sick"),
        ("personal leev next monday pls", "en", "personal"),
        ("明天请个病价", "zh", "sick"),
        ("sry. im sick today, wont make it in", "en", "sick"),
        ("不好意思，我今天生病了，来不了", "zh", "sick"),
    ],
)
async def test_a_request_names_its_type_shortened_or_by_being_ill(
    domain: dict[str, Any], text: str, lang: str, code: str
) -> None:
    """tuning3 t3-en-03, t3-en-20: "annual lv" and "I'm sick today" are not asked "Which type?"."""
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text, active_loop="leave_form")
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["leave_type"] == code


@pytest.mark.parametrize(
    ("text", "lang"), [("my kid is sick, need tomorrow off", "en"), ("孩子生病了，明天请一天", "zh")]
)
async def test_someone_elses_illness_in_a_request_is_no_type(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text, active_loop="leave_form")
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert not slots.get("leave_type")


@pytest.mark.parametrize(("text", "lang"), [("fine. whats mine then", "en"), ("算了，你会干嘛", "zh")])
async def test_the_form_lets_go_when_the_type_question_goes_unanswered_again(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    """tuning3 t3-en-24: after "Which type of leave?" was asked twice and ignored, a message that is
    no answer lets go of the form (said once) instead of "I don't know the leave type ..."."""
    asked = [
        {"event": "bot", "text": "Which type of leave?", "metadata": {"utter_action": "utter_ask_leave_type"}}
    ] * 2
    tracker = make_tracker(
        lang=lang,
        intent="nlu_fallback",
        text=text,
        slots={"requested_slot": "leave_type", "leave_type": text, "leave_start": "2026-11-26"},
        events=[*asked, {"event": "slot", "name": "leave_type", "value": text}],
        active_loop="leave_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateLeaveForm().run(dispatcher, tracker, domain)
    slots = slots_of(events)
    assert slots["leave_type"] is None and slots["requested_slot"] is None  # the form ends
    assert responses(dispatcher) == ["utter_leave_set_aside"]
    # asked once only: the question is asked again, as before
    once = make_tracker(
        lang=lang,
        intent="nlu_fallback",
        text=text,
        slots={"requested_slot": "leave_type", "leave_type": text, "leave_start": "2026-11-26"},
        events=[asked[0], {"event": "slot", "name": "leave_type", "value": text}],
        active_loop="leave_form",
    )
    dispatcher = CollectingDispatcher()
    assert "requested_slot" not in slots_of(await ValidateLeaveForm().run(dispatcher, once, domain))
    assert responses(dispatcher) == ["utter_leave_type_unknown"]


@pytest.mark.parametrize(
    ("text", "lang", "code"),
    [
        ("pls book my vacaton for the 3rd to the 4th, visiting my aunt", "en", "annual"),
        ("put in vacations dec 10-11 thx", "en", "annual"),
        ("帮我请个vaccation，12月10号到11号", "zh", "annual"),
        ("sick! tomorrow too, sorry", "en", "sick"),
        ("ugh, persnal - the 4th pls", "en", "personal"),
        ("sik，今天和明天", "zh", "sick"),
    ],
)
async def test_a_request_names_its_type_by_an_everyday_word_or_a_word_of_its_own(
    domain: dict[str, Any], text: str, lang: str, code: str
) -> None:
    """tuning5: "vaccation 12/21-12/24" is annual leave; "sik. today + tmrw" names sick leave in a
    clause of its own (the type's word alone, not someone's illness told in a sentence)."""
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text, active_loop="leave_form")
    slots = slots_of(await ValidateLeaveForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["leave_type"] == code
