"""Balances asked after a balance answer and for someone else, against the real backend: "what
about next year" / "那明年呢" shows next year's allowance (the backend's), "and sick?" that type's
balance even when the NLU found no entity in it, and a colleague's balance is refused, not answered
with the user's own figures; a manager sees a report's."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.balances import SHOWN_SLOT, ActionLeaveBalance, balance_followup
from tests.actions.helpers import Backend, make_tracker

pytestmark = pytest.mark.usefixtures("action_settings")


def _after_balance(
    text: str, lang: str, *, employee: str = "E1001", shown: dict[str, Any] | None = None
) -> Any:
    """``text`` said right after a balance answer (data/leave/rules.yml sends it to the balance
    action), read by the NLU as a policy question with no entity."""
    events = [
        {"event": "user", "text": "my balance", "parse_data": {"intent": {"name": "check_leave_balance"}}},
        {"event": "action", "name": "action_leave_balance"},
        {"event": "bot", "text": "Your leave balances"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_policy"}}},
    ]
    slots = {SHOWN_SLOT: shown or {"leave_type": None, "year": 2026}}
    return make_tracker(
        employee=employee, lang=lang, intent="ask_policy", text=text, events=events, slots=slots
    )


def _allocated(backend: Backend, employee: str, year: int, kind: str) -> float:
    rows = backend.get("/leave/balances", employee="E1003", employee_id=employee, year=year)
    return next(r["allocated"] for r in rows if r["leave_type"] == kind)


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "what about next year"), ("en", "and next yr?"), ("zh", "那明年呢"), ("zh", "那next year呢?")],
)
async def test_a_year_named_after_a_balance_answer_shows_that_years_balance(
    backend: Backend, domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str
) -> None:
    tracker = _after_balance(text, lang, shown={"leave_type": "annual", "year": 2026})
    events = await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance" and msg["year"] == 2027, msg
    # the type asked about before is kept: next year's annual leave, as the backend allots it
    assert f"{_allocated(backend, 'E1001', 2027, 'annual'):g}" in msg["lines"]
    assert msg["lines"].count("•") == 1, msg["lines"]
    assert {"event": "slot", "name": SHOWN_SLOT, "value": {"leave_type": "annual", "year": 2027}} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


@pytest.mark.parametrize(
    ("lang", "text", "line"), [("en", "and sick?", "• Sick leave"), ("zh", "病假呢", "• 病假")]
)
async def test_a_type_named_without_an_entity_after_a_balance_answer_shows_its_balance(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str, line: str
) -> None:
    await ActionLeaveBalance().run(dispatcher, _after_balance(text, lang), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance" and msg["lines"].startswith(line), msg


async def test_a_year_with_no_allowance_says_so_rather_than_zeros(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    await ActionLeaveBalance().run(dispatcher, _after_balance("and 2031?", "en"), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance_year_none" and msg["year"] == 2031


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "show me wang wei's leave balance"),
        ("en", "what's zhao min's annual leave looking like"),
        ("zh", "王伟还有几天年假"),
        ("zh", "帮我查一下赵敏的假期余额"),
    ],
)
async def test_someone_elses_balance_is_refused_not_answered_with_the_users_own(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str
) -> None:
    """Li Na (E1001) reports to Wang Wei and manages no one: she may see only her own balance."""
    tracker = make_tracker(employee="E1001", lang=lang, intent="check_leave_balance", text=text)
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_leave_balance_only_own"]


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "what's li na's leave balance"), ("zh", "李娜还剩几天年假")]
)
async def test_a_manager_sees_a_reports_balance_under_their_name(
    backend: Backend, domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str
) -> None:
    tracker = make_tracker(employee="E1002", lang=lang, intent="check_leave_balance", text=text)
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance_of" and msg["name"] in ("Li Na", "李娜"), msg
    rows = backend.get("/leave/balances", employee="E1003", employee_id="E1001", year=2026)
    annual = next(r for r in rows if r["leave_type"] == "annual")
    assert f"{annual['balance']:g}" in msg["lines"]


async def test_own_balance_questions_are_not_taken_for_someone_elses(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    for text in (
        "what's my AL balance",
        "how many days do i have left this year",
        "my kid's school is shut next week, how much leave do I have?",
        "我今年的年假还剩几天",
        "假期余额查一下谢谢",
        "what's my AL's balance looking like",
    ):
        dispatcher.messages.clear()
        tracker = make_tracker(employee="E1001", intent="check_leave_balance", text=text)
        await ActionLeaveBalance().run(dispatcher, tracker, domain)
        assert [m["response"] for m in dispatcher.messages] == ["utter_leave_balance"], text


@pytest.mark.parametrize(("lang", "text"), [("en", "fine. whats mine then"), ("zh", "好吧，那我自己的呢")])
async def test_the_users_own_balance_after_a_refused_colleagues(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str
) -> None:
    tracker = _after_balance(text, lang, shown={})
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance" and msg["year"] == 2026, msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what about next year", (None, 2027, False)),
        ("and annual?", ("annual", None, False)),
        ("那next year呢?", (None, 2027, False)),
        ("and mine?", (None, None, True)),
        ("那我自己的呢", (None, None, True)),
        ("is sick leave paid next year?", None),
        ("what about overtime", None),
        ("and sick and annual?", None),
    ],
)
def test_what_a_bare_follow_up_names(text: str, expected: tuple[Any, ...] | None) -> None:
    from personnel.client import LeaveTypeOut

    types = [
        LeaveTypeOut.model_validate(
            {"code": c, "name_en": en, "name_zh": zh, "is_paid": True, "needs_balance": True}
        )
        for c, en, zh in (("annual", "Annual leave", "年假"), ("sick", "Sick leave", "病假"))
    ]
    found = balance_followup(text, [], types)
    assert (found and (found.leave_type, found.year, found.own)) == expected


def test_a_chinese_follow_up_asking_how_many_days_next_year() -> None:
    found = balance_followup("明年一共能休几天", [], [])
    assert found is not None and found.year == 2027


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n SL", "sick"),
        ("& AL?", "annual"),
        ("wbu pto", "annual"),
        ("sl balnce?", "sick"),
        ("那AL呢", "annual"),
        ("n 病假呢", "sick"),
        ("SL余额呢", "sick"),
    ],
)
def test_a_follow_up_in_txt_speak_or_by_initials_names_its_type(text: str, expected: str) -> None:
    """tuning5 t5-en-07: "n SL" after the annual balance is the sick balance; "AL", "pto" and a
    misspelt "balance" are words of a balance follow-up, in English and Chinese messages."""
    from personnel.client import LeaveTypeOut

    types = [
        LeaveTypeOut.model_validate(
            {"code": c, "name_en": en, "name_zh": zh, "is_paid": True, "needs_balance": True}
        )
        for c, en, zh in (("annual", "Annual leave", "年假"), ("sick", "Sick leave", "病假"))
    ]
    found = balance_followup(text, [], types)
    assert found is not None and found.leave_type == expected


@pytest.mark.parametrize(("lang", "text"), [("en", "how much AL do I have"), ("zh", "我年假余额多少")])
async def test_a_type_at_zero_while_others_are_allotted_is_a_real_zero(
    domain: dict[str, Any],
    dispatcher: CollectingDispatcher,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    text: str,
) -> None:
    """tuning5 t5-mx-01: E1005 has no annual days this year but sick days; once his open request is
    cancelled his annual balance is 0, not "no allowance set for the year"."""
    from personnel.client import PersonnelClient

    real = PersonnelClient.leave_balances

    async def after_cancel(self: PersonnelClient, *args: Any, **kwargs: Any) -> Any:
        rows = await real(self, *args, **kwargs)
        return [r.model_copy(update={"pending": 0, "balance": r.allocated - r.taken}) for r in rows]

    monkeypatch.setattr(PersonnelClient, "leave_balances", after_cancel)
    tracker = make_tracker(employee="E1005", lang=lang, intent="check_leave_balance", text=text)
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance", msg
    assert msg["lines"].count("•") == 1 and ("0 days left" in msg["lines"] or "剩余 0 天" in msg["lines"])


@pytest.mark.parametrize(
    ("lang", "text", "response"),
    [
        ("en", "pto", "utter_leave_balance"),
        ("zh", "年假balence", "utter_leave_balance"),
        ("en", "12/24", "utter_default"),
        ("zh", "下午", "utter_default"),
    ],
)
async def test_a_bare_detail_that_answers_no_question(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, lang: str, text: str, response: str
) -> None:
    """tuning5 t5-en-11: "pto" said on its own (data/leave/rules.yml sends a bare detail here) shows
    that balance; a detail that names none is not understood, as before: it is no question for the
    documents."""
    tracker = make_tracker(lang=lang, intent="inform", text=text)
    await ActionLeaveBalance().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == response, msg
    if response == "utter_leave_balance":
        assert msg["lines"].count("•") == 1, msg["lines"]
        assert "Annual leave" in msg["lines"] or "年假" in msg["lines"], msg["lines"]
