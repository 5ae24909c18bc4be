"""The policy action renders the knowledge base's grade: a plain answer, a hedged one (the closest
passage with a caveat and "Ask HR") or the hand-off offer, and says when the quoted source is in
the other language. Real knowledge base (Chroma on disk, the USE model), real action."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.helpers import make_tracker, responses

PERMIT = (
    "# Bicycle parking\n\nBicycle parking permits are issued by the facilities desk on the ground floor. "
    "A permit costs 20 dollars per year and is valid for one bicycle.\n"
)


@pytest.fixture
def policy_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A knowledge base with one English page, as the action server's default knowledge base."""
    import knowledge.api as kapi
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bicycle-parking.md").write_text(PERMIT, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_CHROMA_PATH", str(tmp_path / "chroma"))
    monkeypatch.setenv("KNOWLEDGE_CHROMA_URL", "")
    monkeypatch.setenv("HRBOT_LLM_BASE_URL", "")
    KnowledgeBase(KnowledgeSettings()).ingest([docs], base=docs, progress=False)
    monkeypatch.setattr(kapi, "_DEFAULT", None)
    yield docs
    monkeypatch.setattr(kapi, "_DEFAULT", None)


def _ask(text: str, lang: str) -> CollectingDispatcher:
    from actions.policy import ActionAnswerPolicy

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(employee=None, lang=lang, intent="ask_policy", text=text)
    asyncio.run(ActionAnswerPolicy().run(dispatcher, tracker, {}))
    return dispatcher


def test_a_hedged_answer_shows_the_passage_with_a_caveat_and_cites_it(
    policy_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # thresholds that put any passage found between "refused" and "answer"
    monkeypatch.setenv("KNOWLEDGE_MIN_CONFIDENCE", '{"en": 0.99, "zh": 0.99}')
    monkeypatch.setenv("KNOWLEDGE_HEDGE_CONFIDENCE", '{"en": 0.05, "zh": 0.05}')
    monkeypatch.setenv("KNOWLEDGE_EN_GRADE", "[0.05, 0.99]")  # English from English: the MiniLM grade
    d = _ask("how much is a bike parking permit?", "en")
    assert responses(d) == ["utter_policy_hedged"], d.messages
    msg = d.messages[0]
    assert "20 dollars" in msg["answer"]
    assert msg["custom"]["citations"][0]["source"] == "bicycle-parking.md"


def test_a_chinese_question_answered_from_an_english_page_says_so(policy_kb: Path) -> None:
    d = _ask("自行车停车证一年多少钱？", "zh")
    assert responses(d)[0] in {"utter_policy_answer_other_language", "utter_policy_hedged_other_language"}, (
        d.messages
    )
    assert "20 dollars" in d.messages[0]["answer"]


def test_an_off_topic_message_is_declined_rather_than_hedged(
    policy_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions.policy import ActionAnswerPolicy

    monkeypatch.setenv("KNOWLEDGE_MIN_CONFIDENCE", '{"en": 0.99, "zh": 0.99}')
    monkeypatch.setenv("KNOWLEDGE_HEDGE_CONFIDENCE", '{"en": 0.01, "zh": 0.01}')
    d = CollectingDispatcher()
    tracker = make_tracker(employee=None, lang="en", intent="out_of_scope", text="do you like bicycles?")
    asyncio.run(ActionAnswerPolicy().run(d, tracker, {}))
    assert responses(d) == ["utter_out_of_scope"], d.messages
