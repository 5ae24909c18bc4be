"""Spelling slips in a question (knowledge/spelling.py): the answer is the one the correctly spelt
question gets, and words that are not slips are left alone."""

from __future__ import annotations

import pytest

from knowledge.retrieval import RetrievalConfig


@pytest.mark.parametrize(
    ("slipped", "spelt"),
    [
        ("how long is the probaton perod?", "how long is the probation period?"),
        ("how much is overtime on a publc holliday paid?", "how much is overtime on a public holiday paid?"),
    ],
)
def test_a_question_with_slips_gets_the_answer_of_the_spelt_one(demo_kb, slipped: str, spelt: str) -> None:
    right = demo_kb.answer(spelt, lang="en")
    got = demo_kb.answer(slipped, lang="en")
    assert right.confident
    assert got.answer == right.answer
    assert got.sources[0].section == right.sources[0].section


def test_without_the_speller_the_slips_cost_the_answer(demo_kb, monkeypatch: pytest.MonkeyPatch) -> None:
    """The speller is what makes the difference above (the test could fail)."""
    spelt = demo_kb.answer("how long is the probation period?", lang="en")
    monkeypatch.setattr(demo_kb.retriever, "config", RetrievalConfig(spelling=False))
    slipped = demo_kb.answer("how long is the probaton perod?", lang="en")
    assert slipped.confidence < spelt.confidence


def test_names_capitals_and_contractions_are_not_slips(demo_kb) -> None:
    text = "can I work from Ningbo in my first PSLF year? thats all, havent checked"
    assert demo_kb.retriever.spell(text) == text
    assert demo_kb.retriever.spell("my probaton") == "my probation"
