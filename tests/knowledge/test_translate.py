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
