"""The grade rule (knowledge/answering.py `grade_for`): thresholds per question language and per
direction, since a passage in the other language scores lower for the same fit."""

from __future__ import annotations

from knowledge.answering import grade_for
from knowledge.settings import KnowledgeSettings


def test_other_language_passage_uses_its_own_thresholds() -> None:
    s = KnowledgeSettings()
    for lang in ("en", "zh"):
        lo, hi = s.hedge_confidence(lang, True), s.min_confidence(lang, True)
        assert lo <= hi
        assert grade_for(s, lang, hi, other_language=True) == "answer"
        assert grade_for(s, lang, (lo + hi) / 2, other_language=True) == "hedged"
        assert grade_for(s, lang, lo - 0.01, other_language=True) == "refused"
    # an English question whose best passage is a PRC regulation, scoring between the two hedge
    # thresholds, is hedged (shown with a caveat) rather than refused
    mid = (s.hedge_confidence("en", True) + s.hedge_confidence("en")) / 2
    assert grade_for(s, "en", mid) == "refused"
    assert grade_for(s, "en", mid, other_language=True) == "hedged"


def test_hedge_threshold_never_above_answer_threshold() -> None:
    s = KnowledgeSettings(
        knowledge_min_confidence_other={"en": 0.2, "zh": 0.2},
        knowledge_hedge_confidence_other={"en": 0.3, "zh": 0.3},
    )
    assert s.hedge_confidence("en", True) == 0.2
