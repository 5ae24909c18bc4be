"""`python -m bench.insights_gaps_eval [--chroma DIR]`: how well knowledge-gap groups match topics.

Groups the answerable questions of tests/knowledge/heldout/ (written blind over ../shared/corpus)
as insights/gaps.py does, and scores the groups against the document that answers each question:
pairwise precision (two questions grouped together are about the same document), recall (two
questions about one document are grouped together) and F1. The threshold was chosen on the *.tune
files; report the *.test files. Needs the corpus in a knowledge base (``--chroma``: a Chroma folder
with it ingested; otherwise it is ingested into a temporary folder, several minutes).
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from hrbot import paths

HELDOUT = paths.ROOT / "tests" / "knowledge" / "heldout"


def load(part: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for name in sorted(glob.glob(str(HELDOUT / f"*.{part}.yaml"))):
        items += [q for q in yaml.safe_load(Path(name).read_text()) if q.get("source")]
    return items


def score(items: list[dict[str, Any]], groups: list[list[int]]) -> dict[str, Any]:
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    pairs = list(itertools.combinations(range(len(items)), 2))
    same = {(a, b) for a, b in pairs if items[a]["source"] == items[b]["source"]}
    together = {(a, b) for a, b in pairs if group_of[a] == group_of[b]}
    hits = len(same & together)
    p = hits / len(together) if together else 0.0
    r = hits / len(same) if same else 0.0
    return {
        "questions": len(items),
        "groups": len(groups),
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.insights_gaps_eval", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--chroma", type=Path, help="Chroma folder with ../shared/corpus ingested")
    ap.add_argument("--part", choices=["tune", "test"], default="test")
    ap.add_argument("--thresholds", type=float, nargs="*")
    args = ap.parse_args(argv)
    tmp = None
    if args.chroma is None:
        tmp = tempfile.TemporaryDirectory()
        args.chroma = Path(tmp.name)
    os.environ["KNOWLEDGE_CHROMA_PATH"] = str(args.chroma)
    from insights.gaps import _embed, cluster, grouped
    from insights.settings import InsightsSettings
    from knowledge.api import KnowledgeBase

    kb = KnowledgeBase()
    if tmp is not None:
        corpus = paths.SHARED / "corpus"
        kb.ingest([corpus], base=corpus, progress=True)
    items = load(args.part)
    vectors = _embed([q["question"] for q in items])
    rows = [
        {"sources": [{"source": s.source} for s in kb.search(q["question"], k=1, lang=q.get("lang"))]}
        for q in items
    ]
    thresholds = args.thresholds or [InsightsSettings(_env_file=None).hrbot_insights_gap_similarity]
    out = {}
    for t in thresholds:
        out[f"embedding_only_{t}"] = score(items, cluster(vectors, t))
        out[f"closest_document_then_embedding_{t}"] = score(items, grouped(rows, vectors, t))
    print(json.dumps({"part": args.part, **out}, indent=2))


if __name__ == "__main__":
    main()
