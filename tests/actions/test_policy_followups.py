"""A short follow-up after a policy answer ("and on a Saturday?", "what about sick leave?", "病假呢",
"难产的话呢") is answered in the context of the question before it, in both languages; a message
after some other turn is not. After a balance answer, the same short message naming a leave type
asks for that type's balance. Asking how to reach HR is told HR's contact details (from the
documents) and opens no case; a case opened on request also says how to reach HR directly. Real
knowledge base (the demo handbook, Chroma on disk, the USE model), real actions, real backend where
one is needed, trackers as the action server receives them."""

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
        self, text: str, *, intent: str = "ask_policy", leave_type: str | None = None, action: Any = None
    ) -> CollectingDispatcher:
        from actions.policy import ActionAnswerPolicy

        action = action or ActionAnswerPolicy()
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
        new = asyncio.run(action.run(dispatcher, tracker, {}))
        self.events.append({"event": "action", "name": action.name()})
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
    demo_kb: None, action_settings: None, backend: Any, lang: str, request_text: str, yes: str
) -> None:
    from actions.policy import ActionHandoffToHR

    events = [
        {"event": "user", "text": request_text, "parse_data": {"intent": {"name": "request_record_change"}}},
        {"event": "action", "name": "action_record_change_by_hr"},
        {"event": "bot", "text": "HR makes changes to personal data. Shall I pass your request to HR?"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": yes, "parse_data": {"intent": {"name": "affirm"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        lang=lang, intent="affirm", text=yes, events=events, sender_id=f"web:change-{lang}"
    )
    asyncio.run(ActionHandoffToHR().run(dispatcher, tracker, {}))
    assert responses(dispatcher) == ["utter_handoff_created", "utter_hr_contact_also"], dispatcher.messages
    case = backend.get(f"/cases/{dispatcher.messages[0]['case_id']}")
    # the case is about the change asked for, not the "yes" that confirmed it
    assert case["subject"] == request_text and case["employee_id"] == "E1001"
    # and the user also learns how to reach HR directly, as the documents state it
    contacts = dispatcher.messages[1]["contacts"]
    assert "hr@harbour.example" in contacts and "3100" in contacts, contacts


def test_a_typed_yes_to_the_hand_off_offer_opens_the_case(
    demo_kb: None, action_settings: None, backend: Any
) -> None:
    """Twice not in the documents, then "Shall I pass your question to HR?": a typed yes (no
    button) opens the case about the question, not about the yes."""
    from actions.unasked import ActionUnaskedYes

    question = "can I bring my dog to the office on Fridays?"
    events = [
        {"event": "user", "text": question, "parse_data": {"intent": {"name": "ask_policy"}}},
        {"event": "action", "name": "action_answer_policy"},
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_policy_offer_handoff"}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", text="yes", events=events, sender_id="web:offer-yes")
    asyncio.run(ActionUnaskedYes().run(dispatcher, tracker, {}))
    assert responses(dispatcher) == ["utter_handoff_created", "utter_hr_contact_also"], dispatcher.messages
    assert backend.get(f"/cases/{dispatcher.messages[0]['case_id']}")["subject"] == question


# --- after a balance answer ---------------------------------------------------------------------


def _balance_turn(text: str, lang: str) -> list[dict[str, Any]]:
    """A balance question and its answer, as Rasa keeps them."""
    return [
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "check_leave_balance"}}},
        {"event": "action", "name": "action_leave_balance"},
        {"event": "bot", "text": "Your leave balances" if lang == "en" else "您的假期余额"},
        {"event": "slot", "name": "leave_type", "value": None},
        {"event": "action", "name": "action_listen"},
    ]


def _after_balance(
    text: str,
    lang: str,
    *,
    leave_type: str | None = None,
    value: str | None = None,
    intent: str = "ask_policy",
) -> Any:
    """The tracker of ``text`` said right after a balance answer (which data/leave/rules.yml sends
    to the balance action)."""
    entities = [{**_entity(text, leave_type), "value": value}] if leave_type else []
    events = [
        *_balance_turn("how much leave do I have left" if lang == "en" else "我还有几天假", lang),
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": entities}},
    ]
    return make_tracker(
        employee="E1003", lang=lang, intent=intent, text=text, entities=entities, events=events
    )


@pytest.mark.parametrize(
    ("lang", "text", "words", "line"),
    [
        ("en", "and sick days?", "sick days", "Sick leave:"),
        ("en", "what about my sick leave", "sick leave", "Sick leave:"),
        ("zh", "病假呢", "病假", "病假："),
        ("zh", "那我的病假还剩几天", "病假", "病假："),
    ],
)
def test_a_leave_type_named_right_after_a_balance_answer_shows_its_balance(
    demo_kb: None, action_settings: None, backend: Any, lang: str, text: str, words: str, line: str
) -> None:
    from actions.leave import ActionLeaveBalance

    dispatcher = CollectingDispatcher()
    tracker = _after_balance(text, lang, leave_type=words, value="sick")
    asyncio.run(ActionLeaveBalance().run(dispatcher, tracker, {}))
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_balance", msg
    balances = backend.get("/leave/balances", employee="E1003", employee_id="E1003", year=msg["year"])
    sick = next(b for b in balances if b["leave_type"] == "sick")
    assert msg["lines"].startswith(f"• {line}") and f"{sick['balance']:g}" in msg["lines"], msg["lines"]
    assert "Annual" not in msg["lines"] and "年假" not in msg["lines"]


@pytest.mark.parametrize(
    ("lang", "text", "words", "said"),
    [
        ("en", "what about personal leave?", "personal leave", "Personal leave"),
        ("zh", "那事假呢", "事假", "事假"),
    ],
)
def test_a_leave_type_without_a_yearly_balance_says_so(
    demo_kb: None, action_settings: None, lang: str, text: str, words: str, said: str
) -> None:
    """Personal leave has no allowance to count down: said plainly, with the backend's limit per
    request, rather than listing the other balances again."""
    from actions.leave import ActionLeaveBalance

    dispatcher = CollectingDispatcher()
    tracker = _after_balance(text, lang, leave_type=words, value="personal")
    asyncio.run(ActionLeaveBalance().run(dispatcher, tracker, {}))
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_leave_no_allowance_limit", msg
    assert msg["name"].startswith(said) and msg["max_days"] == "10"


@pytest.mark.parametrize(
    ("lang", "text", "words", "expected"),
    [
        ("en", "is sick leave paid?", "sick leave", "paid in full"),
        ("zh", "病假要交医院证明吗", "病假", "医院证明"),
        ("en", "how is overtime paid on a public holiday?", None, "300%"),
    ],
)
def test_a_question_of_its_own_after_a_balance_answer_is_answered_from_the_documents(
    demo_kb: None, action_settings: None, lang: str, text: str, words: str | None, expected: str
) -> None:
    from actions.leave import ActionLeaveBalance

    dispatcher = CollectingDispatcher()
    tracker = _after_balance(text, lang, leave_type=words, value="sick")
    asyncio.run(ActionLeaveBalance().run(dispatcher, tracker, {}))
    assert expected in _answer(dispatcher)


def test_a_follow_up_to_a_policy_answer_given_after_a_balance_is_read_with_it(
    demo_kb: None, action_settings: None
) -> None:
    """Balance, then a policy question (handed on to the documents), then "and on a Saturday?":
    the follow-up is read with the policy question, as after any policy answer."""
    from actions.leave import ActionLeaveBalance

    chat = Chat("en")
    question = "How is overtime paid?"
    chat.events = [
        *_balance_turn("how much leave do I have left", "en"),
        {"event": "user", "text": question, "parse_data": {"intent": {"name": "ask_policy"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee="E1003", intent="ask_policy", text=question, events=chat.events)
    new = asyncio.run(ActionLeaveBalance().run(dispatcher, tracker, {}))
    assert "150%" in _answer(dispatcher)
    chat.events += [{"event": "action", "name": "action_leave_balance"}, *new]
    chat.events.append({"event": "action", "name": "action_listen"})
    chat.slots = {e["name"]: e["value"] for e in new if e.get("event") == "slot"}
    assert "200%" in _answer(chat.ask("and on a Saturday?"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and sick days?", "sick"),
        ("sick leave?", "sick"),
        ("what about personal leave too", "personal"),
        ("那事假呢", "personal"),
        ("我的病假还有多少", "sick"),
        ("is sick leave paid?", None),
        ("can sick leave be carried over", None),
        ("病假扣钱吗", None),
        ("and on a Saturday?", None),
    ],
)
def test_what_a_bare_follow_up_to_a_balance_answer_is(text: str, expected: str | None) -> None:
    from actions.leave import balance_followup_type

    names = ("sick days", "sick leave", "personal leave", "事假", "病假")
    words = next((w for w in names if w in text), None)
    lang = "en" if text.isascii() else "zh"
    tracker = _after_balance(text, lang, leave_type=words, value=expected or "sick")
    assert balance_followup_type(tracker) == expected


# --- how to reach HR ----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "text"), [("en", "where can I email HR?"), ("zh", "人事处的分机是多少")])
def test_how_to_reach_hr_is_told_from_the_documents_and_opens_no_case(
    demo_kb: None, action_settings: None, backend: Any, lang: str, text: str
) -> None:
    from actions.policy import ActionHRContact

    cases_before = backend.get("/cases")
    change = "please change my home address"
    events = [
        {"event": "user", "text": change, "parse_data": {"intent": {"name": "request_record_change"}}},
        {"event": "action", "name": "action_record_change_by_hr"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_hr_contact"}}},
    ]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(lang=lang, intent="ask_hr_contact", text=text, events=events)
    asyncio.run(ActionHRContact().run(dispatcher, tracker, {}))
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_hr_contact"
    assert "hr@harbour.example" in msg["contacts"] and "3100" in msg["contacts"]
    assert ("人事处" in msg["contacts"]) == (lang == "zh")
    assert msg["custom"]["citations"][0]["title"] in ("Contacting HR", "联系人事处")
    assert backend.get("/cases") == cases_before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_record_change_says_how_to_reach_hr_from_the_documents(
    demo_kb: None, action_settings: None, lang: str
) -> None:
    from actions.policy import ActionRecordChangeByHR

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(lang=lang, intent="request_record_change", text="please change my bank account")
    asyncio.run(ActionRecordChangeByHR().run(dispatcher, tracker, {}))
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_record_change_by_hr_contacts"
    assert "hr@harbour.example" in msg["contacts"]


PREVIOUS = "can I carry unused annual leave into next year?"


def after_a_policy_answer(text: str, lang: str = "en") -> Any:
    events = [
        {"event": "user", "text": PREVIOUS, "parse_data": {"intent": {"name": "ask_policy"}}},
        {"event": "action", "name": "action_answer_policy"},
        {"event": "slot", "name": "policy_topic", "value": {"query": PREVIOUS, "mention": None}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_policy"}}},
    ]
    return make_tracker(
        intent="ask_policy",
        text=text,
        lang=lang,
        slots={"policy_topic": {"query": PREVIOUS, "mention": None}},
        events=events,
    )


@pytest.mark.parametrize(
    ("text", "with_context"),
    [
        ("and on a Saturday?", True),
        ("and if my boss never let me take them because we were so busy?", True),
        ("那如果是因为工作太忙领导一直不批，那些没休的天数怎么办呢", True),
        ("Is there a gym membership subsidy for staff? Reply to li.lei@example.com", False),
        ("how much relocation allowance do we get when moving city?", False),
    ],
)
def test_a_longer_message_is_a_follow_up_only_when_it_points_back(text: str, with_context: bool) -> None:
    """Short messages and longer ones that point back at the answer are read with the question
    before; a new question of a dozen words ("is there a gym subsidy for staff?") stands alone."""
    from actions.policy import followup_query

    query = followup_query(after_a_policy_answer(text))
    assert (query is not None) is with_context, query
    if with_context:
        assert PREVIOUS in query


@pytest.mark.parametrize(
    ("lang", "question", "followup", "expected"),
    [
        ("zh", "那他入职第一天要带哪些材料", "几点到，去哪报到", "9:00"),
        ("en", "what should I bring on my first day?", "and at what time, which room?", "9:00"),
    ],
)
def test_an_elliptic_follow_up_read_as_off_topic_is_answered_with_its_context(
    demo_kb: None, lang: str, question: str, followup: str, expected: str
) -> None:
    chat = Chat(lang)
    _answer(chat.ask(question))
    answer = _answer(chat.ask(followup, intent="out_of_scope"))
    assert expected in answer, answer


def test_off_topic_without_a_previous_answer_is_still_declined(demo_kb: None) -> None:
    chat = Chat("en")
    assert responses(chat.ask("what's the weather like tomorrow", intent="out_of_scope")) == [
        "utter_out_of_scope"
    ]


@pytest.mark.parametrize(
    ("lang", "question", "followup", "title", "section"),
    [
        (
            "en",
            "do I need a medical certificate when I'm off sick?",
            "and is it paid",
            "Leave policy",
            "Sick leave",
        ),
        ("zh", "年假要提前几天申请？", "急事来不及怎么办", "休假制度", "第十一条"),
    ],
)
def test_where_does_it_say_that_names_the_document_and_section_of_the_last_answer(
    demo_kb: None, lang: str, question: str, followup: str, title: str, section: str
) -> None:
    from actions.policy import ActionPolicySource

    chat = Chat(lang)
    _answer(chat.ask(question))
    _answer(chat.ask(followup))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=None, lang=lang, intent="ask_policy_source", slots=chat.slots)
    asyncio.run(ActionPolicySource().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["response"] == "utter_policy_source"
    assert title in message["sources"] and section in message["sources"], message
    # only the passages the answer quoted, not everything retrieved beside them
    assert "overtime" not in message["sources"].lower() and "加班" not in message["sources"], message


def test_where_does_it_say_that_before_any_answer_asks_for_the_question(demo_kb: None) -> None:
    from actions.policy import ActionPolicySource

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=None, intent="ask_policy_source")
    asyncio.run(ActionPolicySource().run(dispatcher, tracker, {}))
    assert responses(dispatcher) == ["utter_policy_source_unknown"]


@pytest.mark.parametrize(
    ("lang", "question", "then", "expected"),
    [
        ("en", "can I keep a gift worth 300 yuan from a supplier?", "who do I declare it to", "HR"),
        ("zh", "工作人员收受礼品有什么规定", "那要向谁申报", "人事处"),
        (
            "en",
            "do I need a medical certificate when I'm off sick?",
            "when do I have to tell my manager",
            "9:30",
        ),
        ("zh", "请病假要交医院证明吗", "最晚几点要告诉领导", "9:30"),
    ],
)
def test_a_rule_about_the_manager_read_as_who_is_my_manager_is_answered_from_the_documents(
    demo_kb: None, action_settings: None, lang: str, question: str, then: str, expected: str
) -> None:
    """ "who do i declare it to" after a question about a gift, or "by when do I have to tell my
    boss" after one about sick notes, reads to the NLU like "who is my manager": the rule is
    answered, not the manager's name."""
    from actions.records import ActionShowManager

    chat = Chat(lang)
    chat.ask(question)
    dispatcher = chat.ask(then, intent="show_manager", action=ActionShowManager())
    assert "utter_manager" not in responses(dispatcher)
    assert expected in _answer(dispatcher)


def test_who_my_manager_is_is_still_the_manager(action_settings: None) -> None:
    from actions.records import ActionShowManager

    for lang, text in (("en", "who do I report to"), ("zh", "我向谁汇报")):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(employee="E1001", lang=lang, intent="show_manager", text=text)
        asyncio.run(ActionShowManager().run(dispatcher, tracker, {}))
        assert responses(dispatcher) == ["utter_manager"]


@pytest.mark.parametrize(
    ("lang", "question", "then", "expected"),
    [
        (
            "en",
            "do I need a medical certificate when I'm off sick?",
            "and if it's just the two days?",
            "2 consecutive",
        ),
        ("zh", "请病假要交医院证明吗", "那要是只请两天呢", "医院证明"),
    ],
)
def test_a_correction_right_after_a_policy_answer_narrows_the_question(
    demo_kb: None, lang: str, question: str, then: str, expected: str
) -> None:
    """Nothing the bot did is open to correct: "and if it's only 2 days?" (which the NLU reads as a
    correction) asks the question just answered again for that case."""
    from actions.unasked import ActionUnaskedYes

    chat = Chat(lang)
    chat.ask(question)
    dispatcher = chat.ask(then, intent="correct", action=ActionUnaskedYes())
    assert "utter_nothing_to_correct" not in responses(dispatcher)
    assert expected in _answer(dispatcher)
