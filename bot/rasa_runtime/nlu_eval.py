"""``python -m bot.rasa_runtime.nlu_eval --model M FILE…``: intent accuracy of the trained model on
message sets, per language, intent and tag, with the confusion pairs, as JSON.

Runs in the Rasa environment with the server's runtime changes applied, so the figures are those of
the running assistant. Two file formats are read: Rasa's NLU YAML (``- intent: X`` with
``examples``; entity annotations are stripped) and a plain list of ``{text, intent, tags}`` (the
independent test set, ``tests/nlu_independent/``). Texts are never printed unless ``--errors`` is
given: a test set is looked at by category only (README, "Measured quality").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def load_messages(path: Path) -> list[dict[str, Any]]:
    """Messages as ``{text, intent, tags}`` from either file format."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # Rasa NLU YAML
        out = []
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.append(
                        {"text": _ANNOTATION.sub(r"\1", line[2:]), "intent": block["intent"], "tags": []}
                    )
        return out
    return [{"text": str(m["text"]), "intent": m["intent"], "tags": list(m.get("tags") or [])} for m in data]


def score(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Accuracy overall (as the assistant acts, and of the classifier's best intent), per intent and
    per tag, the confusion pairs (expected -> predicted), and each message's (expected, best,
    confidence) without its text, to choose the fallback threshold on a tuning set."""
    by_intent: dict[str, list[bool]] = defaultdict(list)
    by_tag: dict[str, list[bool]] = defaultdict(list)
    confusions: Counter[str] = Counter()
    raw = [p["best"] == m["intent"] for m, p in results]
    for message, prediction in results:
        predicted = prediction["intent"]
        ok = predicted == message["intent"]
        by_intent[message["intent"]].append(ok)
        for tag in message["tags"]:
            by_tag[tag].append(ok)
        if not ok:
            confusions[f"{message['intent']} -> {predicted}"] += 1

    def acc(values: list[bool]) -> dict[str, float | int]:
        return {"n": len(values), "accuracy": round(sum(values) / len(values), 3) if values else 0.0}

    every = [ok for values in by_intent.values() for ok in values]
    return {
        **acc(every),
        "best_intent_accuracy": acc(raw)["accuracy"],
        "predictions": [[m["intent"], p["best"], p["confidence"]] for m, p in results],
        "per_intent": {k: acc(v) for k, v in sorted(by_intent.items())},
        "per_tag": {k: acc(v) for k, v in sorted(by_tag.items())},
        "confusions": dict(confusions.most_common()),
    }


async def _predict(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Per text: the intent the assistant acts on (``nlu_fallback`` when unsure) and the
    classifier's best intent with its confidence (to choose the fallback threshold on a tuning set)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        best = ranking[0] if ranking else {}
        out.append(
            {
                "intent": (parsed.get("intent") or {}).get("name") or "",
                "best": best.get("name") or "",
                "confidence": round(float(best.get("confidence") or 0.0), 4),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument(
        "--errors", action="store_true", help="also list the misread texts (tuning sets only)"
    )
    parser.add_argument(
        "--out", type=Path, help="write the JSON report here (stdout carries jieba's chatter)"
    )
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)

    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot.rasa_runtime import server

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    server.apply()
    sets = {str(f): load_messages(f) for f in args.files}
    texts = [m["text"] for messages in sets.values() for m in messages]
    predicted = iter(asyncio.run(_predict(args.model, texts)))
    report: dict[str, Any] = {}
    for name, messages in sets.items():
        results = [(m, next(predicted)) for m in messages]
        report[name] = score(results)
        if args.errors:
            report[name]["errors"] = [
                {"text": m["text"], "expected": m["intent"], **p}
                for m, p in results
                if p["intent"] != m["intent"]
            ]
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
