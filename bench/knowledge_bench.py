"""Knowledge-base benchmark: corpus ingestion (cold and unchanged re-run) and retrieval latency
(p50/p95 of `KnowledgeBase.search`, query embedding included) at corpus size, 10k and 100k chunks.

The store is grown with generated chunks so that 100k chunks do not need 100k embeddings (that
would take ~15 minutes on 2 cores): each one mixes token windows of two real chunks, and its
vector mixes theirs plus a little noise, so the vectors keep the corpus's clustered shape (random
unit vectors would be an unrealistic worst case for the HNSW index). Also measures what a Chroma
metadata filter would cost at each size, which is why knowledge/ filters language and audience in
Python after an unfiltered k-NN query (see `KnowledgeStore.dense_query`).

`python -m bench` runs these functions as part of the whole benchmark; alone::

    .venv/bin/python -m bench.knowledge_bench [--corpus ../shared/corpus] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_DEV_QA = REPO.parent / "shared" / "eval" / "dev_qa.yaml"
# Questions on the demo handbook (knowledge/demo), used when the reference corpus is absent.
DEMO_QUESTIONS = [
    "How many days of annual leave do I get after 12 years of service?",
    "工作满12年，年休假有几天？",
    "When do I need a medical certificate for sick leave?",
    "病假需要什么证明？",
    "How is overtime compensated?",
    "加班费怎么算？",
]
SYNTHETIC_PREFIX = "synthetic/"


def open_kb(chroma_path: Path, chroma_url: str | None = None) -> Any:
    """A KnowledgeBase on `chroma_path` (registry there too), or on a Chroma server."""
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    return KnowledgeBase(
        KnowledgeSettings(
            _env_file=None,
            knowledge_chroma_path=chroma_path,
            knowledge_chroma_url=chroma_url,
            knowledge_registry_path=None,
            hrbot_llm_base_url=None,
        )
    )


def questions(dev_qa: Path | None) -> list[str]:
    """Answerable dev-set questions (both languages), or demo-handbook questions without it."""
    if dev_qa and dev_qa.is_file():
        from knowledge.evaluation import load_items

        return [it["question"] for it in load_items(dev_qa) if it.get("kind") != "unanswerable"]
    return list(DEMO_QUESTIONS)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(times_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "n": len(times_ms),
    }


def ingest(kb: Any, corpus: Path) -> dict[str, float]:
    """Cold ingestion of the whole corpus, then an unchanged re-run (should cost only hashes)."""
    t = time.perf_counter()
    cold = kb.ingest([corpus], base=corpus, progress=False)
    cold_s = time.perf_counter() - t
    files = cold.files_seen + len(cold.skipped)
    t = time.perf_counter()
    warm = kb.ingest([corpus], base=corpus, progress=False)
    warm_s = time.perf_counter() - t
    return {
        "files": files,
        "failed": len(cold.failed),
        "chunks": cold.chunks_embedded,
        "cold_s": round(cold_s, 2),
        "files_per_s": round(files / cold_s, 2),
        "chunks_per_s": round(cold.chunks_embedded / cold_s, 1),
        "rerun_s": round(warm_s, 3),
        "rerun_unchanged": len(warm.unchanged),
        "rerun_chunks_embedded": warm.chunks_embedded,
    }


def search_latency(kb: Any, queries: list[str], rounds: int = 2) -> dict[str, float]:
    """p50/p95 of `KnowledgeBase.search` (query embedding, BM25, Chroma k-NN, fusion)."""
    kb.search(queries[0], k=5)  # warm-up: model, jieba, snapshot / BM25 build
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            kb.search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    return summary(times)


def chroma_filter_cost(kb: Any, queries: list[str], n: int = 20) -> dict[str, float]:
    """p50 of a plain Chroma k-NN query vs the same query with a metadata filter.

    knowledge/ never sends the filter (language and audience are applied in Python to the
    unfiltered top-60); this shows what it would cost at the current store size.
    """
    coll = kb.store.collection
    vecs = [kb.retriever.embed_query(q).tolist() for q in (queries * 3)[:n]]
    plain, filtered = [], []
    for v in vecs:
        t = time.perf_counter()
        coll.query(query_embeddings=[v], n_results=60, include=["metadatas", "distances"])
        plain.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        coll.query(
            query_embeddings=[v],
            n_results=60,
            where={"language": "en"},
            include=["metadatas", "distances"],
        )
        filtered.append((time.perf_counter() - t) * 1000)
    return {
        "unfiltered_p50_ms": round(statistics.median(plain), 2),
        "filtered_p50_ms": round(statistics.median(filtered), 2),
    }


def chunk_count(kb: Any) -> int:
    return len(kb.store.snapshot().chunks)


def grow(
    kb: Any, target: int, seed: int = 0, progress: Callable[[int], None] | None = None, per_doc: int = 500
) -> float:
    """Add generated documents (`per_doc` chunks each) until the store holds `target` chunks.

    Each generated chunk takes a window of tokens from two random real chunks, and the normalised
    mix of their two vectors plus noise: varied text for BM25, realistic clusters for the k-NN.
    Returns the seconds spent.
    """
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    snap = kb.store.snapshot()
    real = [c for c in snap.chunks if not c.source.startswith(SYNTHETIC_PREFIX) and len(c.tokens) >= 8]
    got = kb.store.collection.get(ids=[c.id for c in real], include=["embeddings"])
    pairs = zip(got["ids"], got["embeddings"], strict=False)
    by_id = {cid: np.asarray(v, dtype=np.float32) for cid, v in pairs}
    real = [c for c in real if c.id in by_id]
    if not real:
        raise RuntimeError("the store has no real chunks to grow from: ingest documents first")
    have = len(snap.chunks)
    doc = sum(1 for c in snap.chunks if c.source.startswith(SYNTHETIC_PREFIX) and c.chunk_index == 0)
    t0 = time.perf_counter()
    while have < target:
        n = min(per_doc, target - have)
        chunks, vecs = [], []
        for i in range(n):
            a, b = rng.sample(real, 2)
            toks = _window(rng, a.tokens, 40) + _window(rng, b.tokens, 20)
            mix = rng.uniform(0.55, 0.85)
            v = mix * by_id[a.id] + (1 - mix) * by_id[b.id] + nrng.normal(0, 0.015, 512).astype(np.float32)
            vecs.append(v / np.linalg.norm(v))
            lang = a.meta.get("language", "en")
            heading = a.meta.get("heading_path", "")
            meta = {"section": f"G{i}", "heading_path": heading, "chapter": "", "language": lang}
            chunks.append({"text": _join(toks, lang), "tokens": toks, "meta": meta})
        source = f"{SYNTHETIC_PREFIX}doc-{doc:05d}.md"
        kb.store.put_document(source, f"Generated {doc}", "en", "all", f"gen-{doc}", chunks, np.stack(vecs))
        have += n
        doc += 1
        if progress:
            progress(n)
    return time.perf_counter() - t0


def _window(rng: random.Random, tokens: list[str], size: int) -> list[str]:
    if len(tokens) <= size:
        return list(tokens)
    start = rng.randrange(0, len(tokens) - size)
    return tokens[start : start + size]


def _join(tokens: list[str], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(tokens)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--dev-qa", type=Path, default=DEFAULT_DEV_QA)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--out", type=Path, default=REPO / "var" / "knowledge_bench.json")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"reference corpus not found at {args.corpus}: using the demo handbook (knowledge/demo)")
        args.corpus = REPO / "knowledge" / "demo"

    results: dict[str, Any] = {"corpus": str(args.corpus)}
    queries = questions(args.dev_qa)
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_kb(Path(tmp) / "chroma")
        results["ingest"] = ingest(kb, args.corpus)
        rows = [(chunk_count(kb), search_latency(kb, queries), chroma_filter_cost(kb, queries))]
        for size in args.sizes:
            grow_s = grow(kb, size)
            t = time.perf_counter()
            kb.store.snapshot()  # BM25 rebuild after the writes
            rebuild_s = time.perf_counter() - t
            lat = search_latency(kb, queries, rounds=1)
            lat.update(grow_s=round(grow_s, 1), bm25_rebuild_s=round(rebuild_s, 2))
            rows.append((chunk_count(kb), lat, chroma_filter_cost(kb, queries)))
    results["search"] = {str(n): {**lat, **flt} for n, lat, flt in rows}
    ing = results["ingest"]
    print("| ingestion | files | chunks | seconds | files/s | chunks/s | unchanged re-run s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| cold | {ing['files']} | {ing['chunks']} | {ing['cold_s']:.1f} | {ing['files_per_s']:.1f} | "
        f"{ing['chunks_per_s']:.1f} | {ing['rerun_s']:.2f} |"
    )
    print()
    print("| chunks | search p50 ms | search p95 ms | Chroma k-NN p50 ms | with `where` filter p50 ms |")
    print("|---|---|---|---|---|")
    for n, lat, flt in rows:
        print(
            f"| {n} | {lat['p50_ms']:.1f} | {lat['p95_ms']:.1f} | {flt['unfiltered_p50_ms']:.1f} | "
            f"{flt['filtered_p50_ms']:.1f} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
