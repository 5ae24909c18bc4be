"""A short follow-up after a policy answer ("and on a Saturday?", "what about sick leave?", "病假呢",
"难产的话呢") is answered in the context of the question before it, in both languages; a message
after some other turn is not. Real knowledge base (the demo handbook, Chroma on disk, the USE
model), real action, trackers as the action server receives them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.helpers import REPO, make_tracker, responses

ANSWERED = {
    "utter_policy_answer",
    "utter_policy_hedged",
    "utter_policy_answer_other_language",
    "utter_policy_hedged_other_language",
}


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo handbook (en+zh) as the action server's default knowledge base."""
    import knowledge.api as kapi
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    path = tmp_path_factory.mktemp("followup-kb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HRBOT_LLM_BASE_URL", "")
        kb = KnowledgeBase(
            KnowledgeSettings(
                knowledge_chroma_path=path / "chroma",
                knowledge_chroma_url=None,
                knowledge_registry_path=None,
                hrbot_llm_base_url=None,
            )
        )
        report = kb.ingest([REPO / "knowledge" / "demo"], progress=False)
        assert not report.failed, report.failed
        mp.setattr(kapi, "_DEFAULT", kb)
        yield


def _entity(text: str, words: str) -> dict[str, Any]:
    """A leave type as the NLU reports it (the CRF's span in the message)."""
    start = text.index(words)
    return {"entity": "leave_type", "start": start, "end": start + len(words), "value": words}


class Chat:
    """Messages played through the policy action one after another, events kept as Rasa keeps them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.events: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}

    def ask(
        self, text: str, *, intent: str = "ask_policy", leave_type: str | None = None
    ) -> CollectingDispatcher:
        from actions.policy import ActionAnswerPolicy

        entities = [_entity(text, leave_type)] if leave_type else []
        self.events.append(
            {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": entities}}
        )
        tracker = make_tracker(
            employee=None,
            lang=self.lang,
            intent=intent,
            text=text,
            entities=entities,
            slots=self.slots,
            events=self.events,
        )
        dispatcher = CollectingDispatcher()
        new = asyncio.run(ActionAnswerPolicy().run(dispatcher, tracker, {}))
        self.events.append({"event": "action", "name": "action_answer_policy"})
        for message in dispatcher.messages:
            self.events.append({"event": "bot", "text": message.get("answer") or message.get("response")})
        for event in new:
            self.events.append(event)
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.events.append({"event": "action", "name": "action_listen"})
        return dispatcher

    def other_turn(self, text: str, action: str) -> None:
        """A turn some other action answered (a leave balance, a greeting)."""
        self.events += [
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "check_leave_balance"}}},
            {"event": "action", "name": action},
            {"event": "action", "name": "action_listen"},
        ]


def _answer(dispatcher: CollectingDispatcher) -> str:
    assert responses(dispatcher)[0] in ANSWERED, dispatcher.messages
    return dispatcher.messages[0]["answer"]


def test_and_on_a_saturday_after_an_overtime_question_answers_for_rest_days(demo_kb: None) -> None:
    chat = Chat("en")
    assert "150%" in _answer(chat.ask("How is overtime paid?"))
    answer = _answer(chat.ask("and on a Saturday?"))
    assert "200%" in answer, answer


def test_what_about_sick_leave_swaps_the_leave_type_of_the_previous_question(demo_kb: None) -> None:
    chat = Chat("en")
    first = "how many days of marriage leave do I get?"
    assert "3 working days" in _answer(chat.ask(first, leave_type="marriage leave"))
    answer = _answer(chat.ask("what about sick leave?", leave_type="sick leave"))
    assert "medical certificate" in answer, answer
    # the swapped question is what a further follow-up is read with
    assert chat.slots["policy_topic"]["query"] == "how many days of sick leave do I get?"


def test_a_chinese_follow_up_about_a_difficult_birth_is_read_with_the_maternity_question(
    demo_kb: None,
) -> None:
    chat = Chat("zh")
    assert "98天" in _answer(chat.ask("产假有多少天？", leave_type="产假"))
    answer = _answer(chat.ask("难产的话呢"))
    assert "难产" in answer and "15天" in answer, answer


def test_a_chinese_follow_up_naming_another_leave_type(demo_kb: None) -> None:
    chat = Chat("zh")
    _answer(chat.ask("婚假有几天？", leave_type="婚假"))
    answer = _answer(chat.ask("病假呢", leave_type="病假"))
    # the sick-leave rule (the handbook has it in both languages), not marriage leave again
    assert "医院证明" in answer or "medical certificate" in answer, answer


def test_a_short_message_after_another_kind_of_turn_is_not_read_as_a_follow_up(demo_kb: None) -> None:
    from actions.policy import followup_query

    chat = Chat("en")
    chat.ask("How is overtime paid?")
    chat.other_turn("how much annual leave do I have left", "action_leave_balance")
    chat.events.append({"event": "user", "text": "and on a Saturday?"})
    tracker = make_tracker(
        employee=None,
        lang="en",
        intent="ask_policy",
        text="and on a Saturday?",
        slots=chat.slots,
        events=chat.events,
    )
    assert followup_query(tracker) is None


def test_a_long_question_after_a_policy_answer_stands_on_its_own(demo_kb: None) -> None:
    chat = Chat("en")
    chat.ask("How is overtime paid?")
    answer = _answer(
        chat.ask("how many days of paternity leave does a partner get after the birth of a child?")
    )
    assert "15 days of paternity leave" in answer, answer
    assert chat.slots["policy_topic"]["query"].startswith("how many days of paternity")


def test_a_chinese_follow_up_about_saturday_is_read_with_the_overtime_question(demo_kb: None) -> None:
    chat = Chat("zh")
    assert "150%" in _answer(chat.ask("工作日加班工资怎么算？"))
    answer = _answer(chat.ask("那周六呢"))
    assert "200%" in answer, answer


def test_a_follow_up_naming_a_leave_type_the_previous_question_did_not_is_a_new_topic(
    demo_kb: None,
) -> None:
    chat = Chat("en")
    chat.ask("How is overtime paid?")
    answer = _answer(chat.ask("what about sick leave?", leave_type="sick leave"))
    assert "medical certificate" in answer and "150%" not in answer, answer


@pytest.mark.parametrize(
    ("lang", "request_text", "yes"),
    [
        ("en", "I need to change the bank account my salary is paid into", "yes please"),
        ("zh", "我换了新的工资卡，想改一下发工资的银行账号", "好的"),
    ],
)
def test_a_yes_to_passing_a_record_change_to_hr_opens_a_case_about_the_change(
    action_settings: None, backend: Any, lang: str, request_text: str, yes: str
) -> None:
    from actions.policy import ActionHandoffToHR

    events = [
        {"event": "user", "text": request_text, "parse_data": {"intent": {"name": "request_record_change"}}},
        {"event": "action", "name": "utter_record_change_by_hr"},
        {"event": "bot", "text": "HR makes changes to personal data. Shall I pass your request to HR?"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": yes, "parse_data": {"intent": {"name": "affirm"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        lang=lang, intent="affirm", text=yes, events=events, sender_id=f"web:change-{lang}"
    )
    asyncio.run(ActionHandoffToHR().run(dispatcher, tracker, {}))
    assert responses(dispatcher) == ["utter_handoff_created"], dispatcher.messages
    case = backend.get(f"/cases/{dispatcher.messages[0]['case_id']}")
    # the case is about the change asked for, not the "yes" that confirmed it
    assert case["subject"] == request_text and case["employee_id"] == "E1001"
