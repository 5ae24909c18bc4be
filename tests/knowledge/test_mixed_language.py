"""A mixed-language question ("how many days of 产假 can I take?"): its Chinese words are glossed in
English (`HybridRetriever.gloss`), so it is answered as the English question would be."""

from __future__ import annotations

import pytest

from knowledge.retrieval import RetrievalConfig


def test_a_chinese_word_in_an_english_question_answers_like_the_english_one(demo_kb) -> None:
    english = demo_kb.answer("how many days of maternity leave can i take", lang="en")
    mixed = demo_kb.answer("how many days of 产假 can i take", lang="en")
    assert english.grade == mixed.grade == "answer"
    assert mixed.sources[0].section == english.sources[0].section == "Maternity and paternity leave"
    assert "98 days" in mixed.answer


def test_without_the_gloss_it_is_not_answered(demo_kb, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gloss is what makes the difference above (the test could fail)."""
    monkeypatch.setattr(demo_kb.retriever, "config", RetrievalConfig(gloss=False))
    mixed = demo_kb.answer("how many days of 产假 can i take", lang="en")
    assert mixed.grade != "answer"


def test_the_gloss_names_the_chinese_words_meaning_and_leaves_the_rest(demo_kb) -> None:
    assert demo_kb.retriever.gloss("what's the cutoff for my 年终 award?") == (
        "what's the cutoff for my 年终 award? (end of the year)"
    )
    # a Chinese question, or one with no Chinese word, is not touched
    for text in ("产假有多少天？", "how many days of maternity leave can i take"):
        assert demo_kb.retriever.gloss(text) == text
