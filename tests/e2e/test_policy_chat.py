"""Policy questions in chat: cited answers from the demo handbook, honest refusals, hand-off to HR."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.stack import Stack, texts

pytestmark = pytest.mark.stack
CJK = re.compile(r"[\u4e00-\u9fff]")


def citations(replies: list[dict]) -> list[dict]:
    return [c for r in replies for c in (r.get("custom") or {}).get("citations", [])]


def test_english_question_gets_a_cited_answer(stack: Stack) -> None:
    question = "How many days of annual leave do I get after 12 years of service?"
    replies = stack.say(f"web:anon:{uuid.uuid4()}", question)
    cited = citations(replies)
    assert cited, replies
    assert all(c["title"] and c["source"] for c in cited)
    assert re.search(r"\b10\b|ten", texts(replies)), texts(replies)


def test_chinese_question_gets_a_cited_answer_in_chinese(stack: Stack) -> None:
    replies = stack.say(f"web:anon:{uuid.uuid4()}", "工作满12年，年休假有几天？")
    cited = citations(replies)
    assert cited, replies
    answer = texts(replies)
    assert CJK.search(answer) and "10" in answer, answer


def test_unanswerable_questions_are_refused_then_handed_off_to_hr(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex[:6]}"
    first = stack.say(sender, "what is the deductible of the dental plan for 2026?", employee="E1001")
    assert not citations(first)
    assert "couldn't find" in texts(first)
    assert any(b["payload"] == "/request_handoff" for r in first for b in r.get("buttons", []))

    second = stack.say(sender, "how much relocation allowance do we get when moving city?", employee="E1001")
    assert "pass your question to HR" in texts(second), texts(second)

    done = stack.say(sender, "/request_handoff", employee="E1001")
    case_id = re.search(r"#(\d+)", texts(done))
    assert case_id, texts(done)
    # The HR admin sees the case in the backend, with the conversation and who asked.
    case = stack.backend_get(f"/cases/{case_id.group(1)}", "E1003")
    assert "relocation" in case["transcript"] and "dental" in case["transcript"]
    assert case["employee_id"] == "E1001"


def test_forged_identity_is_treated_as_anonymous(stack: Stack) -> None:
    """A made-up assertion (wrong secret) must not let anyone act as E1001."""
    from hrbot.identity import sign_identity

    sender = f"web:{uuid.uuid4().hex[:6]}"
    forged = sign_identity("E1001", "web", "not-the-secret-but-as-long-as-a-real-one", sender=sender)
    replies = stack.say(sender, "/request_handoff", identity=forged)
    assert "not signed in" in texts(replies), texts(replies)
