"""Records actions against the real backend: own record only, sensitive fields masked unless asked."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.records import (
    ActionShowContract,
    ActionShowDepartment,
    ActionShowJobHistory,
    ActionShowManager,
    ActionShowProfile,
    ActionShowSensitive,
    ActionShowTrainingHours,
)
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")


def own_record(backend: Backend, employee: str = "E1001") -> dict[str, Any]:
    return backend.get("/records/profile", employee=employee)


async def test_profile_masks_sensitive_fields(
    backend: Backend, domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    me = own_record(backend)
    await ActionShowProfile().run(dispatcher, make_tracker(intent="show_profile"), domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_profile" and msg["employee_id"] == "E1001"
    assert msg["name"] == me["name_en"] and "E1002" in msg["manager"]
    assert msg["salary"] == "****" and msg["home_address"] == "****"
    assert me["national_id"] not in msg["national_id"] and msg["national_id"].endswith(me["national_id"][-4:])
    flat = " ".join(str(v) for v in msg.values())
    assert me["home_address"] not in flat and str(int(float(me["salary"]))) not in flat


async def test_a_sensitive_field_is_shown_only_when_asked_for_explicitly(
    backend: Backend, domain: dict[str, Any]
) -> None:
    me = own_record(backend)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        lang="zh",
        intent="show_sensitive",
        text="我的身份证号",
        entities=[{"entity": "sensitive_field", "value": "national_id"}],
    )
    await ActionShowSensitive().run(dispatcher, tracker, domain)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_sensitive_value"
    assert msg["field"] == "身份证号" and msg["value"] == me["national_id"]
    assert me["salary"] is not None and "salary" not in msg["field"]

    dispatcher = CollectingDispatcher()
    await ActionShowSensitive().run(dispatcher, make_tracker(intent="show_sensitive"), domain)
    assert responses(dispatcher) == ["utter_ask_sensitive_field"]


async def test_sensitive_fields_need_a_verified_identity(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=None, intent="show_sensitive", entities=[{"entity": "sensitive_field", "value": "salary"}]
    )
    await ActionShowSensitive().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_sign_in_required"]


async def test_manager_is_named_from_the_directory_card(
    domain: dict[str, Any], dispatcher: CollectingDispatcher
) -> None:
    """Employees may not read their manager's record, but they see who the manager is."""
    for lang, name in (("zh", "王伟"), ("en", "Wang Wei")):
        dispatcher = CollectingDispatcher()
        await ActionShowManager().run(dispatcher, make_tracker(lang=lang, intent="show_manager"), domain)
        [msg] = dispatcher.messages
        assert (msg["response"], msg["manager_name"], msg["position"]) == (
            "utter_manager",
            name,
            "Product Director",
        ), lang
        assert "@" in msg["email"], msg


async def test_department_contract_history_training(domain: dict[str, Any]) -> None:
    checks = [
        (ActionShowDepartment(), "utter_department", "department", "产品部"),
        (ActionShowContract(), "utter_contract", "end_date", ""),
        (ActionShowJobHistory(), "utter_job_history", "lines", "Senior Data Analyst"),
        (ActionShowTrainingHours(), "utter_training_hours", "required", ""),
    ]
    for action, response, key, expected in checks:
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, make_tracker(lang="zh"), domain)
        [msg] = dispatcher.messages
        assert msg["response"] == response, action.name()
        assert expected in str(msg[key])
