"""Knowledge-base benchmark: corpus ingestion (cold and unchanged re-run) and retrieval latency
(p50/p95 of `KnowledgeBase.search`, query embedding included) at corpus size, 10k and 100k chunks.

The store is grown with synthetic chunks (words resampled from the corpus, random unit vectors)
so that 100k chunks do not need 100k embeddings. Prints a Markdown table and writes JSON.

    /tmp/venv-app/bin/python bench/knowledge_bench.py [--corpus ../shared/corpus] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]


def _kb(path: Path):
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    return KnowledgeBase(
        KnowledgeSettings(
            knowledge_chroma_path=path / "chroma",
            knowledge_chroma_url=None,
            knowledge_registry_path=None,
            hrbot_llm_base_url=None,
        )
    )


def _queries(dev_qa: Path | None) -> list[str]:
    if dev_qa and dev_qa.is_file():
        from knowledge.evaluation import load_items

        return [it["question"] for it in load_items(dev_qa)]
    return ["How many days of annual leave do I get?", "年假有几天", "overtime pay", "产假多少天"]


def _latency(kb, queries: list[str], rounds: int = 2) -> dict[str, float]:
    kb.search(queries[0], k=5)  # warm-up: model, jieba, snapshot
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            kb.search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return {"p50_ms": statistics.median(times), "p95_ms": p95, "n": len(times)}


def _grow(kb, target: int, seed: int = 0) -> float:
    """Add synthetic documents (100 chunks each) until the store holds `target` chunks."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    snap = kb.store.snapshot()
    vocab = [t for c in snap.chunks for t in c.tokens]
    have = len(snap.chunks)
    t0 = time.perf_counter()
    doc = 0
    while have < target:
        n = min(100, target - have)
        chunks = []
        for i in range(n):
            toks = rng.sample(vocab, 60)
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in toks[0]) else "en"
            meta = {"section": f"S{i}", "heading_path": f"S{i}", "chapter": "", "language": lang}
            chunks.append({"text": " ".join(toks), "tokens": toks, "meta": meta})
        vec = nrng.standard_normal((n, 512)).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        kb.store.put_document(
            f"synthetic/doc-{doc:05d}.md", f"Synthetic {doc}", "en", "all", f"synthetic-{doc}", chunks, vec
        )
        have += n
        doc += 1
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--dev-qa", type=Path, default=REPO.parent / "shared" / "eval" / "dev_qa.yaml")
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--out", type=Path, default=REPO / "var" / "knowledge_bench.json")
    args = ap.parse_args()

    results: dict[str, object] = {}
    rows = []
    queries = _queries(args.dev_qa)
    with tempfile.TemporaryDirectory() as tmp:
        kb = _kb(Path(tmp))
        t = time.perf_counter()
        cold = kb.ingest([args.corpus], base=args.corpus, progress=False)
        cold_s = time.perf_counter() - t
        files = cold.files_seen + len(cold.skipped)
        t = time.perf_counter()
        warm = kb.ingest([args.corpus], base=args.corpus, progress=False)
        warm_s = time.perf_counter() - t
        results["ingest"] = {
            "files": files,
            "chunks": cold.chunks_embedded,
            "cold_s": cold_s,
            "files_per_s": files / cold_s,
            "chunks_per_s": cold.chunks_embedded / cold_s,
            "rerun_s": warm_s,
            "rerun_unchanged": len(warm.unchanged),
        }
        lat = _latency(kb, queries)
        n = len(kb.store.snapshot().chunks)
        results[f"search_{n}"] = lat
        rows.append((n, lat, 0.0))
        for size in args.sizes:
            grow_s = _grow(kb, size)
            t = time.perf_counter()
            kb.store.snapshot()  # BM25 rebuild after the writes
            rebuild = time.perf_counter() - t
            lat = _latency(kb, queries, rounds=1)
            lat["bm25_rebuild_s"] = rebuild
            lat["grow_s"] = grow_s
            results[f"search_{size}"] = lat
            rows.append((size, lat, rebuild))
    ing = results["ingest"]
    print("| ingestion | files | chunks | seconds | files/s | chunks/s | unchanged re-run s |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| cold | {ing['files']} | {ing['chunks']} | {ing['cold_s']:.1f} | {ing['files_per_s']:.1f} | "
        f"{ing['chunks_per_s']:.1f} | {ing['rerun_s']:.2f} |"
    )
    print()
    print("| chunks | search p50 ms | search p95 ms | BM25 rebuild s |")
    print("|---|---|---|---|")
    for n, lat, rebuild in rows:
        print(f"| {n} | {lat['p50_ms']:.1f} | {lat['p95_ms']:.1f} | {rebuild:.1f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
