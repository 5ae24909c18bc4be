"""`python -m bench [--quick] [--layout scaleout]`: measure the real stack, write bench/results/."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.knowledge_bench import DEFAULT_CORPUS, DEFAULT_DEV_QA

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description="Start the real assistant on free ports with temporary state, measure turn latency, "
        "throughput, retrieval, ingestion, memory and start-up, and write a Markdown and a JSON report.",
    )
    ap.add_argument(
        "--quick", action="store_true", help="a short run for development (few samples, 10k chunks)"
    )
    ap.add_argument(
        "--layout",
        choices=["embedded", "scaleout"],
        default="embedded",
        help="embedded defaults (SQLite, Chroma on disk) or docs/SCALE_OUT.md (needs PostgreSQL and Redis)",
    )
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="reference corpus to ingest")
    ap.add_argument("--dev-qa", type=Path, default=DEFAULT_DEV_QA, help="questions for the policy turns")
    ap.add_argument("--sizes", type=int, nargs="*", help="store sizes to grow to (default 10000 100000)")
    ap.add_argument(
        "--keep", action="store_true", help="keep the temporary state (logs, stores) after the run"
    )
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder of the result files")
    ap.add_argument(
        "--name",
        help="result file name without extension (default: latest, latest-scaleout, quick, quick-scaleout)",
    )
    args = ap.parse_args(argv)
    if not args.name:
        base = "quick" if args.quick else "latest"
        args.name = base if args.layout == "embedded" else f"{base}-scaleout"
    return args


if __name__ == "__main__":
    from bench.run import main

    main(parse_args())
