"""A manager naming a request in words: the leave type named with the employee picks that one of
the employee's pending requests ("刘洋那个病假帮我批了"), against the real backend."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import ActionApproveLeave
from tests.actions.helpers import Backend, make_tracker
from tests.actions.test_references_actions import book, leave_on

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
