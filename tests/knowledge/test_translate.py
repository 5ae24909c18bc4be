"""Query translation through CC-CEDICT (offline): a question in one language names the other
language's words, so the passage in that language is found by its words too."""

from __future__ import annotations

from knowledge.text import tokenize
from knowledge.translate import EnglishToChinese, zh_to_en


def test_chinese_words_translate_to_english_tokens() -> None:
    senses = zh_to_en("年假")
    assert any({"annual", *tokenize("leave")} <= s for s in senses), senses
    assert any(tokenize("sick leave")[0] in s for s in zh_to_en("病假")), zh_to_en("病假")
    assert zh_to_en("the") == () and zh_to_en("假") == ()  # not Chinese / a single character


def test_english_phrases_translate_to_the_corpus_own_chinese_words() -> None:
    # only words the documents use are candidates: 离开 (also "leave") is not in this vocabulary
    e2z = EnglishToChinese(["年假", "病假", "加班", "试用期", "工资"], df={"年假": 3, "工资": 40})
    out = e2z.translate(tokenize("can I work overtime during my probationary period, and my annual leave?"))
    found = {w for ws in out.values() for w in ws}
    assert {"加班", "试用期", "年假"} <= found, out
    assert "离开" not in found and "病假" not in found, out


def _cand(name: str, lang: str, relevance: float):
    from knowledge.retrieval import Candidate
    from knowledge.store import StoredChunk

    chunk = StoredChunk(name, f"{lang}/{name}.md", 0, "h", name, {"language": lang}, [])
    return Candidate(chunk, relevance=relevance)


def test_the_other_language_best_passage_is_kept_in_view_only_when_about_as_relevant() -> None:
    from knowledge.retrieval import HybridRetriever, RetrievalConfig

    cfg = RetrievalConfig()
    ranked = [_cand("a", "en", 0.40), _cand("b", "en", 0.38), _cand("c", "en", 0.36), _cand("x", "zh", 0.39)]
    out = HybridRetriever._other_language_in_view(list(ranked), cfg)
    assert [c.chunk.id for c in out] == ["a", "b", "x", "c"]  # third place, the others' order kept
    far = [*ranked[:3], _cand("y", "zh", 0.30)]
    assert HybridRetriever._other_language_in_view(list(far), cfg) == far  # clearly less relevant
    mixed = [ranked[0], ranked[3], ranked[1], ranked[2]]
    assert HybridRetriever._other_language_in_view(list(mixed), cfg) == mixed  # already in view
