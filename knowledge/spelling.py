"""Spelling slips in an English question, corrected towards the words the documents use.

Employees type "probaton", "suposed", "vaccation": the lexical side of retrieval then finds nothing
for the word that matters, and coverage (which grades the answer) drops. A word of four letters or
more that neither a general dictionary (symspellpy's English frequency dictionary, 82,765 words,
shipped in the package) nor the indexed documents know becomes the most frequent document word at
the smallest edit distance (1 for words up to five letters, else 2; SymSpell over the documents'
words), if it starts with the same letter. Words in capitals (PSLF, FEIN) are names, not slips. The
documents' words are read once per store generation; nothing is downloaded.

Chinese slips (使用期 for 试用期, a pinyin keyboard's homophone) were tried the same way, by
toneless pinyin against the documents' words, and left out: on the tuning questions it fixed one
question and rewrote valid words that sound like a document word (重置 → 终止, 时想 → 事项).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources

_CONTRACTED = ("s", "nt", "ll", "re", "ve", "d", "m")
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The general English dictionary symspellpy ships (word per line, with its frequency)."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with path.open(encoding="utf-8") as f:
        return frozenset(line.split(" ", 1)[0] for line in f if line.strip())


class QuerySpeller:
    """Corrections towards one store generation's vocabulary (build once, use per question)."""

    def __init__(self, texts: list[str]) -> None:
        from symspellpy import SymSpell

        counts = Counter(w.lower() for t in texts for w in _EN_WORD.findall(t) if len(w) >= 3)
        self.en_vocab = frozenset(counts)
        self.symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, n in counts.items():
            if word.isalpha():
                self.symspell.create_dictionary_entry(word, n)

    def correct(self, text: str) -> str:
        """The text with its slips corrected (the rest unchanged)."""
        return _EN_WORD.sub(self._english, text)

    def corrections(self, text: str) -> dict[str, str]:
        """What `correct` would change, slip -> correction (for logs and tests)."""
        out = {m.group(0): self._english(m) for m in _EN_WORD.finditer(text)}
        return {k: v for k, v in out.items() if k != v}

    def _english(self, m: re.Match[str]) -> str:
        from symspellpy import Verbosity

        word = m.group(0)
        low = word.lower()
        if len(word) < 4 or word.isupper() or "'" in word or low in self.en_vocab or low in english_words():
            return word
        if any(low.endswith(end) and low[: -len(end)] in english_words() for end in _CONTRACTED):
            return word  # "thats", "havent", "theyll": a contraction typed without its apostrophe
        found = self.symspell.lookup(low, Verbosity.CLOSEST, max_edit_distance=1 if len(word) <= 5 else 2)
        if not found:
            return word
        best = found[0].term
        if best[0] != low[0]:  # slips rarely change the first letter; names do ("ningbo" is not "lingo")
            return word
        return best.capitalize() if word[0].isupper() else best
