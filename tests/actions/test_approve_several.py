"""A manager approving several requests in one message, against the real backend: two people named
("approve Rui Guo's and 韩芳's"), or "both" / "全部" of the requests just listed. One question lists
them all; only a yes to it approves them, each by the backend."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import ActionApproveLeave, approved_together
from tests.actions.helpers import Backend, make_tracker, responses
from tests.actions.test_references_actions import asked, book, leave_on, slots_of

pytestmark = pytest.mark.usefixtures("action_settings")


def listed(*ids: int) -> list[dict[str, Any]]:
    """The conversation so far ends with the pending list, an approve button per request."""
    buttons = [{"title": f"Approve #{i}", "payload": f'/approve_leave{{"leave_id":"{i}"}}'} for i in ids]
    return [
        {"event": "user", "text": "what's waiting", "parse_data": {"intent": {"name": "pending_approvals"}}},
        {"event": "bot", "data": {"buttons": buttons}, "metadata": {"utter_action": "utter_approvals"}},
        {"event": "user", "text": "…"},
    ]


async def approve_then_yes(
    domain: dict[str, Any], text: str, lang: str, yes: str, events: list[dict[str, Any]] | None = None
) -> tuple[CollectingDispatcher, CollectingDispatcher]:
    first = CollectingDispatcher()
    slots = slots_of(
        await ActionApproveLeave().run(
            first,
            make_tracker(employee="E1004", lang=lang, intent="approve_leave", text=text, events=events),
            domain,
        )
    )
    then = CollectingDispatcher()
    await ActionApproveLeave().run(
        then,
        make_tracker(
            employee="E1004",
            lang=lang,
            intent="affirm",
            text=yes,
            slots=slots,
            events=asked("utter_approve_several_confirm"),
        ),
        domain,
    )
    return first, then


@pytest.mark.parametrize(
    ("lang", "text", "yes"),
    [
        ("en", "please approve Rui Guo's and 韩芳's leave", "yes"),
        ("zh", "把Rui Guo和韩芳的假都批了", "确认"),
    ],
)
async def test_two_people_named_are_approved_together_after_one_yes(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, yes: str
) -> None:
    day = "2027-02-01" if lang == "en" else "2027-02-08"
    await book(domain, "E1019", day, sender=f"web:E1019:{day}")
    await book(domain, "E1020", day, sender=f"web:E1020:{day}")
    ids = {leave_on(backend, e, day)["id"] for e in ("E1019", "E1020")}
    first, then = await approve_then_yes(domain, text, lang, yes)
    [question] = first.messages
    assert question["response"] == "utter_approve_several_confirm" and question["count"] == 2
    assert all(f"#{i}" in question["lines"] for i in ids)
    assert responses(then) == ["utter_leave_approved", "utter_leave_approved"]
    assert {leave_on(backend, e, day)["status"] for e in ("E1019", "E1020")} == {"approved"}


@pytest.mark.parametrize(
    ("lang", "text", "yes"), [("en", "approve both of them", "ok"), ("zh", "两个都同意吧", "确认")]
)
async def test_both_of_the_requests_just_listed(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, yes: str
) -> None:
    day = "2027-02-15" if lang == "en" else "2027-02-22"
    await book(domain, "E1019", day, sender=f"web:E1019:{day}")
    await book(domain, "E1020", day, sender=f"web:E1020:{day}")
    ids = [leave_on(backend, e, day)["id"] for e in ("E1019", "E1020")]
    first, then = await approve_then_yes(domain, text, lang, yes, events=listed(*ids))
    assert responses(first) == ["utter_approve_several_confirm"]
    assert responses(then) == ["utter_leave_approved", "utter_leave_approved"]
    assert {leave_on(backend, e, day)["status"] for e in ("E1019", "E1020")} == {"approved"}


async def test_both_of_three_is_unclear_and_one_name_is_one_request(
    backend: Backend, domain: dict[str, Any]
) -> None:
    day = "2027-03-01"
    for employee in ("E1019", "E1020", "E1028"):
        await book(domain, employee, day, sender=f"web:{employee}:{day}")
    apps = [leave_on(backend, e, day) for e in ("E1019", "E1020", "E1028")]
    pending = [a for a in await _pending_of("E1004") if a.id in {x["id"] for x in apps}]
    ids = [a.id for a in pending]
    assert approved_together("approve both", pending, ids) == []
    assert len(approved_together("全部批准", pending, ids)) == 3
    assert approved_together("approve Rui Guo's leave", pending, ids) == []
    # nothing is decided before a yes
    dispatcher = CollectingDispatcher()
    await ActionApproveLeave().run(
        dispatcher, make_tracker(employee="E1004", intent="approve_leave", text="approve both"), domain
    )
    assert "utter_leave_approved" not in responses(dispatcher)
    assert {leave_on(backend, e, day)["status"] for e in ("E1019", "E1020", "E1028")} == {"open"}


async def _pending_of(manager: str) -> list[Any]:
    from actions.common import personnel_client
    from hrbot.identity import Identity

    async with personnel_client(Identity(employee_id=manager, channel="web", expires_at=0)) as pc:
        return await pc.pending_approvals()
