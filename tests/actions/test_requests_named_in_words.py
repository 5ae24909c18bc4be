"""Requests named in words, against the real backend: the leave type named with the employee picks
that one of the employee's pending requests ("刘洋那个病假帮我批了"); a reply naming the request just
asked about again ("对，12月10号那个，同意") is a yes to that question."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import ActionApproveLeave
from actions.leave_requests import ActionCancelLeave
from tests.actions.helpers import Backend, make_tracker
from tests.actions.test_references_actions import asked, book, leave_on

pytestmark = pytest.mark.usefixtures("action_settings")


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "pls approve the sick leave liu yang just put in"), ("zh", "刘洋刚请的那个病假帮我批一下")],
)
async def test_the_leave_type_named_with_the_employee_picks_that_request(
    backend: Backend, domain: dict[str, Any], lang: str, text: str
) -> None:
    """Liu Yang has several requests waiting (annual, personal): the one of the type named is asked
    about, not the whole list shown again."""
    if not any(
        a["leave_type"] == "sick" and a["status"] == "open"
        for a in backend.get("/leave/applications", employee_id="E1005")
    ):
        await book(domain, "E1005", "2027-01-20", kind="sick")
    target = leave_on(backend, "E1005", "2027-01-20")
    dispatcher = CollectingDispatcher()
    await ActionApproveLeave().run(
        dispatcher, make_tracker(employee="E1004", lang=lang, intent="approve_leave", text=text), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_approve_confirm" and msg["leave_id"] == target["id"]
    assert leave_on(backend, "E1005", "2027-01-20")["status"] == "open"  # asked, not yet approved


def _slots(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize(
    ("lang", "day", "first", "then"),
    [
        ("en", "2027-01-26", "approve Liu Yang's leave on Jan 26", "yes the jan 26 one, approve it"),
        ("zh", "2027-01-27", "刘洋1月27号的假帮我批了", "对，就是1月27号那个，同意"),
    ],
)
async def test_naming_the_request_asked_about_again_is_a_yes(
    backend: Backend, domain: dict[str, Any], lang: str, day: str, first: str, then: str
) -> None:
    """Asked "Approve request #23 (…)?", a reply that names that very request again approves it,
    instead of asking the same question once more."""
    await book(domain, "E1005", day)
    target = leave_on(backend, "E1005", day)
    dispatcher = CollectingDispatcher()
    events = await ActionApproveLeave().run(
        dispatcher, make_tracker(employee="E1004", lang=lang, intent="approve_leave", text=first), domain
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_approve_confirm"]
    dispatcher = CollectingDispatcher()
    await ActionApproveLeave().run(
        dispatcher,
        make_tracker(
            employee="E1004",
            lang=lang,
            intent="approve_leave",
            text=then,
            slots=_slots(events),
            events=asked("utter_approve_confirm"),
        ),
        domain,
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_leave_approved"]
    assert leave_on(backend, "E1005", day)["status"] == "approved" and target["status"] == "open"


@pytest.mark.parametrize(
    ("lang", "day", "first", "then"),
    [
        ("en", "2027-03-03", "cancel my leave on March 3", "yes, the march 3 one, cancel it"),
        ("zh", "2027-03-10", "把3月10号的假取消了", "对，3月10号那个，取消"),
    ],
)
async def test_naming_the_request_asked_about_again_cancels_it(
    backend: Backend, domain: dict[str, Any], lang: str, day: str, first: str, then: str
) -> None:
    await book(domain, "E1012", day)
    dispatcher = CollectingDispatcher()
    events = await ActionCancelLeave().run(
        dispatcher, make_tracker(employee="E1012", lang=lang, intent="cancel_leave", text=first), domain
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_cancel_confirm"]
    dispatcher = CollectingDispatcher()
    await ActionCancelLeave().run(
        dispatcher,
        make_tracker(
            employee="E1012",
            lang=lang,
            intent="cancel_leave",
            text=then,
            slots=_slots(events),
            events=asked("utter_cancel_confirm"),
        ),
        domain,
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_leave_cancelled"]
    assert not [
        a
        for a in backend.get("/leave/applications", employee_id="E1012")
        if a["from_date"] == day and a["status"] == "open"
    ]
