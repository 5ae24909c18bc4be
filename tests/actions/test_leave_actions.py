"""Leave actions against the real backend: identity, balances, preview, idempotent submission,
backend refusals and outages, cancelling, approvals, and the form's date validation."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import (
    ActionApproveLeave,
    ActionPendingApprovals,
    ActionRejectLeave,
    ValidateRejectForm,
)
from actions.leave import (
    ActionLeaveBalance,
    ActionLeaveReset,
    ActionPreviewLeave,
    ActionSubmitLeave,
    ValidateLeaveForm,
)
from actions.leave_requests import ActionCancelLeave, ActionMyLeaveRequests
from tests.actions.helpers import Backend, assertion, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")


def leave_slots(
    start: str, end: str, leave_type: str = "annual", half: str = "none", reason: str = "family trip"
) -> dict[str, Any]:
    return {
        "leave_type": leave_type,
        "leave_dates": f"{start} to {end}",
        "leave_start": start,
        "leave_end": end,
        "leave_half_day": half,
        "leave_reason": reason,
        "leave_awaiting_confirmation": True,
    }


def applications(backend: Backend, employee: str = "E1001") -> list[dict[str, Any]]:
    return backend.get("/leave/applications", employee_id=employee)


def slot_events(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_unsigned_or_forged_identity_is_asked_to_sign_in_and_nothing_reaches_the_backend(
    backend: Backend, domain: dict[str, Any]
) -> None:
    before = applications(backend)
    slots = leave_slots("2026-12-14", "2026-12-15")
    for tracker in (
        make_tracker(employee=None, intent="affirm", slots=slots),
        make_tracker(token="not-a-jwt", intent="affirm", slots=slots),
        make_tracker(
            token=assertion("E1001", secret="someone-elses-secret-0123456789abcdef0123"),
            intent="affirm",
            slots=slots,
        ),
    ):
        dispatcher = CollectingDispatcher()
        events = await ActionSubmitLeave().run(dispatcher, tracker, domain)
        assert responses(dispatcher) == ["utter_sign_in_required"]
        assert slot_events(events)["leave_awaiting_confirmation"] is None  # nothing half-done kept
    assert applications(backend) == before


async def test_anonymous_leave_form_asks_nothing(domain: dict[str, Any]) -> None:
    """Without identity the form has no slots to ask; the preview then explains how to sign in."""
    form = ValidateLeaveForm()
    tracker = make_tracker(employee=None, intent="apply_leave", text="I want to apply for leave")
    assert (
        await form.required_slots(["leave_type", "leave_dates"], CollectingDispatcher(), tracker, domain)
        == []
    )


async def test_balance_utters_each_type_with_pending_days(
    backend: Backend, domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    await ActionLeaveBalance().run(dispatcher, make_tracker(intent="check_leave_balance"), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance"
    annual = next(
        b
        for b in backend.get("/leave/balances", employee="E1001", employee_id="E1001", year=msg["year"])
        if b["leave_type"] == "annual"
    )
    assert f"Annual leave: {annual['balance']:g} days left" in msg["lines"]
    assert f"pending {annual['pending']:g}" in msg["lines"]


async def test_balance_in_chinese_for_the_named_type(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    tracker = make_tracker(
        lang="zh",
        intent="check_leave_balance",
        text="我还有几天年假",
        entities=[{"entity": "leave_type", "value": "annual"}],
    )
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["lines"].startswith("• 年假：剩余") and "待审批" in msg["lines"]
    assert "病假" not in msg["lines"]


async def test_preview_shows_what_the_backend_counted_and_asks_to_confirm(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    # Fri 1 Jan 2027 is New Year's Day; 2-3 Jan is a weekend
    tracker = make_tracker(
        intent="inform",
        slots={**leave_slots("2026-12-31", "2027-01-04"), "leave_awaiting_confirmation": None},
    )
    events = await ActionPreviewLeave().run(dispatcher, tracker, domain)
    # a request across the year end is refused by the backend: explained with where to split it
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_error_crosses_year_end"
    assert (msg["year_end"], msg["next_year_start"]) == ("Thu 31 Dec 2026", "Fri 1 Jan 2027")
    assert slot_events(events)["leave_start"] is None

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="inform",
        slots={**leave_slots("2026-12-30", "2026-12-31"), "leave_awaiting_confirmation": None},
    )
    events = await ActionPreviewLeave().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_preview"
    assert msg["working_days"] == "2" and msg["leave_type_name"] == "Annual leave"
    assert "→" in msg["balance"]
    assert slot_events(events) == {"leave_awaiting_confirmation": True}


async def test_preview_names_excluded_holidays_in_chinese(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    tracker = make_tracker(
        lang="zh", slots={**leave_slots("2027-01-01", "2027-01-05"), "leave_awaiting_confirmation": None}
    )
    await ActionPreviewLeave().run(dispatcher, tracker, domain)
    msgs = [m for m in dispatcher.messages if m["response"] == "utter_leave_preview"]
    assert msgs, dispatcher.messages
    assert "不计入" in msgs[0]["excluded"] and "周六" in msgs[0]["excluded"]
    # without the State Council's 2027 schedule the count comes with a warning that it may change
    from personnel.app.services.calendar import get_calendar

    warned = "utter_leave_calendar_incomplete" in responses(dispatcher)
    assert warned == (2027 not in get_calendar("PRC").years)


async def test_submit_twice_books_once_and_reads_the_request_back(
    backend: Backend, domain: dict[str, Any]
) -> None:
    before = len(applications(backend))
    events_log = [{"event": "active_loop", "name": "leave_form", "timestamp": 1700000000.0}]
    tracker = make_tracker(
        intent="affirm",
        slots=leave_slots("2026-12-07", "2026-12-08"),
        events=events_log,
        sender_id="web:E1001",
    )
    ids = []
    for _ in range(2):  # e.g. a retried HTTP call from Rasa, or a double-clicked "Yes"
        dispatcher = CollectingDispatcher()
        events = await ActionSubmitLeave().run(dispatcher, tracker, domain)
        [msg] = dispatcher.messages
        assert msg["response"] == "utter_leave_submitted"
        assert msg["status"] == "awaiting approval" and msg["working_days"] == "2"
        ids.append(msg["leave_id"])
        assert slot_events(events)["leave_start"] is None  # the form leaves nothing behind
        assert ActiveLoop(None) in events
    assert ids[0] == ids[1]
    after = applications(backend)
    assert len(after) == before + 1
    assert next(a for a in after if a["id"] == ids[0])["status"] == "open"


async def test_rule_errors_are_explained_and_nothing_is_submitted(
    backend: Backend, domain: dict[str, Any]
) -> None:
    before = len(applications(backend))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=leave_slots("2026-11-24", "2026-12-04"))  # more than the balance
    events = await ActionSubmitLeave().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_error_insufficient_balance"
    assert float(msg["requested"]) > float(msg["available"])
    assert slot_events(events)["leave_awaiting_confirmation"] is None
    assert len(applications(backend)) == before


async def test_overlap_is_explained(backend: Backend, domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        slots=leave_slots("2026-12-10", "2026-12-10", leave_type="sick"), sender_id="web:overlap-1"
    )
    dispatcher = CollectingDispatcher()
    await ActionSubmitLeave().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_submitted"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        lang="zh", slots=leave_slots("2026-12-10", "2026-12-11"), sender_id="web:overlap-2"
    )
    await ActionPreviewLeave().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_error_overlapping_leave"]


async def test_backend_unreachable_apologises_and_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, backend: Backend, domain: dict[str, Any]
) -> None:
    from actions.settings import get_settings

    before = len(applications(backend))
    monkeypatch.setenv("PERSONNEL_URL", "http://127.0.0.1:9")  # nothing listens there
    get_settings.cache_clear()
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitLeave().run(
        dispatcher, make_tracker(slots=leave_slots("2026-12-21", "2026-12-21")), domain
    )
    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert slot_events(events)["leave_type"] is None and ActiveLoop(None) in events
    monkeypatch.setenv("PERSONNEL_URL", backend.url)
    get_settings.cache_clear()
    assert len(applications(backend)) == before


async def test_stop_leaves_nothing_behind(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        intent="stop", slots=leave_slots("2026-12-14", "2026-12-15"), active_loop="leave_form"
    )
    events = await ActionLeaveReset().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_stopped"]
    assert ActiveLoop(None) in events
    assert all(v is None for v in slot_events(events).values())


async def test_cancel_offers_buttons_then_cancels_the_pick(backend: Backend, domain: dict[str, Any]) -> None:
    submit = make_tracker(slots=leave_slots("2026-12-17", "2026-12-17", leave_type="sick"), sender_id="web:c")
    await ActionSubmitLeave().run(CollectingDispatcher(), submit, domain)
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(
        dispatcher, make_tracker(intent="cancel_leave", text="cancel my leave"), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_cancel_pick"
    target = next(
        a for a in applications(backend) if a["from_date"] == "2026-12-17" and a["status"] == "open"
    )
    assert f'/cancel_leave{{"leave_id":"{target["id"]}"}}' in [b["payload"] for b in msg["buttons"]]

    dispatcher = CollectingDispatcher()
    payload = f'/cancel_leave{{"leave_id":"{target["id"]}"}}'
    pick = make_tracker(
        lang="zh",
        intent="cancel_leave",
        text=payload,
        entities=[{"entity": "leave_id", "value": str(target["id"])}],
    )
    events = await ActionCancelLeave().run(dispatcher, pick, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_cancelled" and msg["leave_id"] == target["id"]
    assert SlotSet("leave_id", None) in events
    assert next(a for a in applications(backend) if a["id"] == target["id"])["status"] == "cancelled"


async def test_my_requests_show_status(domain: dict[str, Any], dispatcher: CollectingDispatcher) -> None:
    await ActionMyLeaveRequests().run(dispatcher, make_tracker(lang="zh", intent="my_leave_requests"), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_requests" and "已批准" in msg["lines"]


async def test_manager_approves_and_rejects_with_a_reason(backend: Backend, domain: dict[str, Any]) -> None:
    for day in ("2026-12-22", "2026-12-23"):
        await ActionSubmitLeave().run(
            CollectingDispatcher(),
            make_tracker(slots=leave_slots(day, day, leave_type="sick"), sender_id=f"web:mgr-{day}"),
            domain,
        )
    mine = {a["from_date"]: a["id"] for a in applications(backend) if a["status"] == "open"}

    dispatcher = CollectingDispatcher()
    await ActionPendingApprovals().run(
        dispatcher, make_tracker(employee="E1002", intent="pending_approvals"), domain
    )
    [msg] = dispatcher.messages
    payloads = [b["payload"] for b in msg["buttons"]]
    assert f'/approve_leave{{"leave_id":"{mine["2026-12-22"]}"}}' in payloads
    assert f'/reject_leave{{"leave_id":"{mine["2026-12-23"]}"}}' in payloads

    # an employee cannot decide their own request: it is not waiting for her, nothing is approved
    dispatcher = CollectingDispatcher()
    await ActionApproveLeave().run(
        dispatcher,
        make_tracker(employee="E1001", intent="approve_leave", text=f"approve #{mine['2026-12-22']}"),
        domain,
    )
    assert responses(dispatcher) == ["utter_approval_not_pending", "utter_approvals_none"]
    # even a button (a forged payload) is refused by the backend, and explained
    dispatcher = CollectingDispatcher()
    forged = f'/approve_leave{{"leave_id":"{mine["2026-12-22"]}"}}'
    await ActionApproveLeave().run(
        dispatcher,
        make_tracker(
            employee="E1001",
            intent="approve_leave",
            text=forged,
            entities=[{"entity": "leave_id", "value": str(mine["2026-12-22"])}],
        ),
        domain,
    )
    assert responses(dispatcher)[0] in ("utter_error_self_approval", "utter_error_not_your_report")

    dispatcher = CollectingDispatcher()
    button = f'/approve_leave{{"leave_id":"{mine["2026-12-22"]}"}}'
    await ActionApproveLeave().run(
        dispatcher,
        make_tracker(
            employee="E1002",
            intent="approve_leave",
            text=button,
            entities=[{"entity": "leave_id", "value": str(mine["2026-12-22"])}],
        ),
        domain,
    )
    assert responses(dispatcher) == ["utter_leave_approved"]

    dispatcher = CollectingDispatcher()
    await ActionRejectLeave().run(
        dispatcher,
        make_tracker(
            employee="E1002",
            lang="zh",
            intent="inform",
            slots={"leave_id": str(mine["2026-12-23"]), "reject_reason": "那周人手不够"},
        ),
        domain,
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_rejected" and msg["reason"] == "那周人手不够"
    # which request was rejected, with its type and dates, as approving says
    assert msg["leave_type_name"] and "2026年12月23日" in msg["period"], msg
    statuses = {a["id"]: a for a in applications(backend)}
    assert statuses[mine["2026-12-22"]]["status"] == "approved"
    assert statuses[mine["2026-12-23"]]["status"] == "rejected"
    assert statuses[mine["2026-12-23"]]["decision_reason"] == "那周人手不够"


async def test_form_refuses_dates_that_make_no_sense(domain: dict[str, Any]) -> None:
    form = ValidateLeaveForm()
    for text, response in (
        ("Feb 30", "utter_leave_dates_invalid"),
        ("12月5日到12月3日", "utter_leave_dates_backwards"),
        ("whenever", "utter_leave_dates_unparsed"),
    ):
        dispatcher = CollectingDispatcher()
        result = await form.validate_leave_dates(text, dispatcher, make_tracker(text=text), domain)
        assert result["leave_dates"] is None
        assert responses(dispatcher) == [response]


async def test_form_reads_half_days_and_corrections(domain: dict[str, Any]) -> None:
    form = ValidateLeaveForm()
    dispatcher = CollectingDispatcher()
    result = await form.validate_leave_dates("明天下午", dispatcher, make_tracker(lang="zh"), domain)
    assert result["leave_half_day"] == "pm" and result["leave_start"] == result["leave_end"]

    # "no, the 6th" while the form holds 3-5 March moves the end to the 6th
    tracker = make_tracker(
        intent="correct", text="no, the 6th", slots={"leave_start": "2027-03-03", "leave_end": "2027-03-05"}
    )
    result = await form.validate_leave_dates("no, the 6th", CollectingDispatcher(), tracker, domain)
    assert (result["leave_start"], result["leave_end"]) == ("2027-03-03", "2027-03-06")

    # "不对，是6号" on a single day moves the day
    tracker = make_tracker(
        lang="zh",
        intent="correct",
        text="不对，是6号",
        slots={"leave_start": "2027-03-05", "leave_end": "2027-03-05"},
    )
    result = await form.validate_leave_dates("不对，是6号", CollectingDispatcher(), tracker, domain)
    assert (result["leave_start"], result["leave_end"]) == ("2027-03-06", "2027-03-06")

    # a correction that is not about the dates keeps them
    tracker = make_tracker(
        intent="correct",
        text="no, the afternoon",
        slots={"leave_start": "2027-03-05", "leave_end": "2027-03-05"},
    )
    result = await form.validate_leave_dates("no, the afternoon", CollectingDispatcher(), tracker, domain)
    assert result == {"leave_dates": "2027-03-05/2027-03-05", "leave_half_day": "pm"}


async def test_form_maps_leave_types_to_backend_codes(domain: dict[str, Any]) -> None:
    form = ValidateLeaveForm()
    for text, code in (
        ("annual", "annual"),
        ("年假", "annual"),
        ("Sick leave", "sick"),
        ("事假", "personal"),
    ):
        assert await form.validate_leave_type(text, CollectingDispatcher(), make_tracker(), domain) == {
            "leave_type": code
        }
    dispatcher = CollectingDispatcher()
    assert await form.validate_leave_type("banana", dispatcher, make_tracker(), domain) == {
        "leave_type": None
    }
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_type_unknown" and len(msg["buttons"]) >= 5


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("下周三请一天年假，家里有点事", "假"), ("need a day of sick leave on Monday", "leave")],
)
async def test_a_fragment_marked_as_the_type_gives_way_to_the_type_the_request_names(
    domain: dict[str, Any], text: str, fragment: str
) -> None:
    """The NLU marked part of a word as the leave type; the request names the type in full, so it is
    not asked for again."""
    lang = "zh" if "假" in text else "en"
    tracker = make_tracker(intent="apply_leave", text=text, lang=lang)
    dispatcher = CollectingDispatcher()
    result = await ValidateLeaveForm().validate_leave_type(fragment, dispatcher, tracker, domain)
    assert result == {"leave_type": "annual" if lang == "zh" else "sick"}
    assert not dispatcher.messages


async def test_a_correction_at_the_confirmation_step_is_taken_when_the_form_reopens(
    domain: dict[str, Any],
) -> None:
    """Reopening the form re-validates the filled slots; the correction text must win."""
    form = ValidateLeaveForm()
    slots = leave_slots("2026-11-30", "2026-12-02")
    tracker = make_tracker(intent="correct", text="no, until the 4th", slots=slots)
    extracted = await form.extract_leave_dates(CollectingDispatcher(), tracker, domain)
    assert extracted == {"leave_dates": "no, until the 4th"}
    result = await form.validate_leave_dates(
        extracted["leave_dates"], CollectingDispatcher(), tracker, domain
    )
    assert (result["leave_start"], result["leave_end"]) == ("2026-11-30", "2026-12-04")


@pytest.mark.parametrize(
    ("lang", "text", "wanted"),
    [
        ("en", "oh wait, i'm back on the 1st so make it 11/30 to 12/1 only", ("2026-11-30", "2026-12-01")),
        ("zh", "哦不对，我1号就回来了，改成11月30号到12月1号吧", ("2026-11-30", "2026-12-01")),
    ],
)
async def test_a_request_said_again_at_the_confirmation_step_changes_the_dates(
    domain: dict[str, Any], lang: str, text: str, wanted: tuple[str, str]
) -> None:
    """New dates at the preview read as a request rather than a correction still change the request
    waiting there (they used to be ignored and the sentence kept as the reason)."""
    form = ValidateLeaveForm()
    slots = {**leave_slots("2026-11-30", "2026-12-02"), "leave_awaiting_confirmation": True}
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text, slots=slots)
    extracted = await form.extract_leave_dates(CollectingDispatcher(), tracker, domain)
    assert extracted == {"leave_dates": text}
    result = await form.validate_leave_dates(
        extracted["leave_dates"], CollectingDispatcher(), tracker, domain
    )
    assert (result["leave_start"], result["leave_end"]) == wanted


async def test_dates_given_with_the_request_are_taken(domain: dict[str, Any]) -> None:
    form = ValidateLeaveForm()
    text = "book annual leave for next Monday to Wednesday"
    tracker = make_tracker(intent="apply_leave", text=text)
    assert await form.extract_leave_dates(CollectingDispatcher(), tracker, domain) == {"leave_dates": text}
    tracker = make_tracker(intent="apply_leave", text="I want to apply for leave")
    assert await form.extract_leave_dates(CollectingDispatcher(), tracker, domain) == {}


async def test_refused_dates_are_quoted_inside_the_response_not_instead_of_it(domain: dict[str, Any]) -> None:
    """utter_message(text=...) would replace the response: the variable must have another name."""
    dispatcher = CollectingDispatcher()
    await ValidateLeaveForm().validate_leave_dates(
        "whenever", dispatcher, make_tracker(text="whenever"), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_dates_unparsed" and msg["text"] is None and msg["dates"]
    assert "{dates}" in domain["responses"]["utter_leave_dates_unparsed"][0]["text"]


@pytest.mark.parametrize(
    ("text", "lang", "said"),
    [
        ("Feb 30", "en", {"date": "30 February", "month": "February", "days": 28}),
        ("April 31, 2027", "en", {"date": "31 April 2027", "month": "April", "days": 30}),
        ("2027年4月31日请年假", "zh", {"date": "2027年4月31日", "month": "4月", "days": 30}),
        ("4月31号", "zh", {"date": "4月31日", "month": "4月", "days": 30}),
    ],
)
async def test_a_day_that_does_not_exist_is_explained(
    domain: dict[str, Any], text: str, lang: str, said: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateLeaveForm().validate_leave_dates(
        text, dispatcher, make_tracker(lang=lang, text=text), domain
    )
    assert result["leave_dates"] is None
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_dates_invalid"
    assert {k: msg[k] for k in said} == said


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        ("I want to take annual leave from Dec 2 to Dec 3", "en", "2026-12-02", "2026-12-03"),
        ("next week, Monday to Wednesday", "en", "2026-11-30", "2026-12-02"),
        ("我想请12月2日到3日", "zh", "2026-12-02", "2026-12-03"),
        ("下周一到周三", "zh", "2026-11-30", "2026-12-02"),
    ],
)
async def test_a_range_in_a_sentence_fills_both_ends(
    domain: dict[str, Any], text: str, lang: str, start: str, end: str
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee="E1014", lang=lang, text=text, slots={"leave_type": "annual"}, active_loop="leave_form"
    )
    result = await ValidateLeaveForm().validate_leave_dates(text, dispatcher, tracker, domain)
    assert (result["leave_start"], result["leave_end"]) == (start, end)
    assert responses(dispatcher) == []  # the type is known: the preview follows and shows the dates
    # without the type, the form asks for it next: the dates are said back first
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee="E1014", lang=lang, text=text, active_loop="leave_form")
    await ValidateLeaveForm().validate_leave_dates(text, dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_dates_understood"]


@pytest.mark.parametrize(
    ("text", "lang"), [("sorry, I meant the 3rd to the 4th", "en"), ("不对，是3号到4号", "zh")]
)
async def test_a_single_day_corrected_to_a_range_becomes_the_range(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    slots = leave_slots("2026-12-02", "2026-12-02")
    tracker = make_tracker(
        employee="E1014", lang=lang, intent="correct", text=text, slots=slots, active_loop="leave_form"
    )
    result = await ValidateLeaveForm().validate_leave_dates(text, CollectingDispatcher(), tracker, domain)
    assert (result["leave_start"], result["leave_end"]) == ("2026-12-03", "2026-12-04")


@pytest.mark.parametrize(("text", "lang"), [("3 days from next Friday", "en"), ("从下周五开始请3天", "zh")])
async def test_a_number_of_days_counts_working_days_on_the_backend_calendar(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    """Friday 4 December plus three working days ends on Tuesday 8 December, not on Sunday."""
    tracker = make_tracker(
        employee="E1014", lang=lang, text=text, slots={"leave_type": "annual"}, active_loop="leave_form"
    )
    result = await ValidateLeaveForm().validate_leave_dates(text, CollectingDispatcher(), tracker, domain)
    assert (result["leave_start"], result["leave_end"]) == ("2026-12-04", "2026-12-08")


@pytest.mark.parametrize(
    ("text", "lang", "code"),
    [
        ("请3天年假，从下周一开始", "zh", "annual"),
        ("I need 2 days of Sick Leave from Monday", "en", "sick"),
        ("下周一开始休陪产假", "zh", "paternity"),
        ("I want a day off next Friday", "en", None),
        ("annual leave or sick leave, whichever fits, on Monday", "en", None),
    ],
)
async def test_a_leave_type_named_in_the_request_is_taken(
    domain: dict[str, Any], text: str, lang: str, code: str | None
) -> None:
    """The NLU does not always mark the type in a long first message; its full name is enough."""
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text)
    extracted = await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), tracker, domain)
    assert extracted == ({"leave_type": code} if code else {})
    # a type already set by the NLU is not looked for again
    tracker = make_tracker(lang=lang, intent="apply_leave", text=text, slots={"leave_type": "personal"})
    assert await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "reject Li Na's sick day on Dec 29"),
        ("zh", "李娜29号那个病假驳回吧"),
    ],
)
async def test_a_manager_rejects_a_request_named_by_its_employee_and_date(
    backend: Backend, domain: dict[str, Any], lang: str, text: str
) -> None:
    """Named as approving allows (no button, no number): the form has its request and asks only why."""
    await ActionSubmitLeave().run(
        CollectingDispatcher(),
        make_tracker(slots=leave_slots("2026-12-29", "2026-12-29", leave_type="sick"), sender_id="web:rej"),
        domain,
    )
    wanted = next(
        a["id"] for a in applications(backend) if a["from_date"] == "2026-12-29" and a["status"] == "open"
    )
    dispatcher = CollectingDispatcher()
    events = await ValidateRejectForm().run(
        dispatcher,
        make_tracker(
            employee="E1002", lang=lang, intent="reject_leave", text=text, active_loop="reject_form"
        ),
        domain,
    )
    slots = slot_events(events)
    assert slots.get("leave_id") == str(wanted), events
    assert slots.get("requested_slot", "reject_reason") == "reject_reason", events  # asks why next


async def test_a_balance_look_at_the_preview_keeps_the_request(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """The balance shown while a request waits for a yes does not drop its type (the yes then failed
    with "the personnel system didn't accept those details"), and the request is said to wait."""
    slots = leave_slots("2026-12-14", "2026-12-15")
    tracker = make_tracker(intent="check_leave_balance", text="how many days do I have left?", slots=slots)
    dispatcher = CollectingDispatcher()
    events = await ActionLeaveBalance().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_leave_balance", "utter_leave_still_waiting"]
    assert "leave_type" not in slot_events(events)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hmm no, I've got a call the morning of the 13th. so 1/13 from the afternoon thru 1/15", "en"),
        ("不行，13号上午要见客户。改成13号下午到15号", "zh"),
    ],
)
async def test_a_correction_to_a_range_from_an_afternoon_keeps_the_half_day(
    domain: dict[str, Any], text: str, lang: str
) -> None:
    """The morning the correction tells of is the reason; the range starts on the afternoon."""
    slots = leave_slots("2027-01-12", "2027-01-14")
    tracker = make_tracker(
        employee="E1014", lang=lang, intent="correct", text=text, slots=slots, active_loop="leave_form"
    )
    form = ValidateLeaveForm()
    extracted = await form.extract_leave_dates(CollectingDispatcher(), tracker, domain)
    dispatcher = CollectingDispatcher()
    got = await form.validate_leave_dates(extracted["leave_dates"], dispatcher, tracker, domain)
    assert (got.get("leave_start"), got.get("leave_end"), got.get("leave_half_day")) == (
        "2027-01-13",
        "2027-01-15",
        "pm",
    )
