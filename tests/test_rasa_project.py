"""The Rasa project itself: training data valid, test stories predicted exactly, NLU on held-out text.

These run Rasa's own tools in the Rasa environment against the trained model, so a broken story,
a contradicting rule or an intent the model confuses fails the test command.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from hrbot import environments, paths

ACTIONS_DIR = paths.ROOT / "actions"
# Responses that Rasa's built-in actions utter (action_default_fallback, the core fallback).
BUILTIN_RESPONSES = {"utter_default"}


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Rasa's command line as the server runs it: with the CPU savings of bot/rasa_runtime/server.py
    applied, so the test stories and held-out examples check the predictions the server makes."""
    return subprocess.run(
        [str(paths.rasa_python()), "-m", "bot.rasa_runtime.server", *args],
        cwd=paths.ROOT,
        env=environments.rasa_env_vars(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_training_data_is_valid_and_every_response_is_used(rasa_model: Path) -> None:
    result = rasa("data", "validate", "--config", "config.yml", "--domain", "bot/domain", "--data", "data")
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    unused = set(re.findall(r"The utterance '(\w+)' is not used in any story or rule", output))
    action_code = "\n".join(p.read_text() for p in ACTIONS_DIR.glob("*.py"))
    # A response that no story or rule uses must at least be uttered by a custom action.
    orphaned = sorted(name for name in unused - BUILTIN_RESPONSES if f'"{name}"' not in action_code)
    assert not orphaned, f"responses nobody utters: {orphaned}"
    other_warnings = [
        line
        for line in output.splitlines()
        if "UserWarning" in line and "is not used in any story or rule" not in line
    ]
    assert not other_warnings, "\n".join(other_warnings)


def test_every_response_has_a_chinese_variation() -> None:
    """Replies come back in the user's language: each response needs a `zh` variation."""
    missing = []
    for domain_file in sorted((paths.ROOT / "bot" / "domain").glob("*.yml")):
        responses = (yaml.safe_load(domain_file.read_text()) or {}).get("responses") or {}
        for name, variations in responses.items():
            has_zh = any(
                any(c.get("name") == "language" and c.get("value") == "zh" for c in v.get("condition") or [])
                for v in variations
            )
            text = " ".join(v.get("text", "") for v in variations)
            language_neutral = text.strip() in {"{answer}", "{text}"}
            if not has_zh and not language_neutral:
                missing.append(f"{domain_file.name}:{name}")
    assert not missing, f"responses without a Chinese variation: {missing}"


def test_test_stories_pass_without_prediction_errors(rasa_model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(rasa_model),
        "--stories",
        "tests/stories",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:] + details[-6000:]


HOLDOUT = paths.ROOT / "tests" / "nlu_holdout"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nlu_on_held_out_examples(rasa_model: Path, tmp_path: Path, lang: str) -> None:
    """Intent F1 >= 0.95 and entity F1 >= 0.90 on text the model never saw, per language."""
    holdout = HOLDOUT / f"{lang}.yml"
    if not holdout.exists():
        pytest.fail(f"held-out NLU set {holdout} is missing")
    result = rasa("test", "nlu", "--model", str(rasa_model), "--nlu", str(holdout), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-4000:]
    intents = json.loads((tmp_path / "intent_report.json").read_text())
    intent_f1 = intents["weighted avg"]["f1-score"]
    entity_report = tmp_path / "DIETClassifier_report.json"
    annotated = "](" in holdout.read_text() or "]{" in holdout.read_text()
    assert entity_report.exists() or not annotated, "entities are annotated but DIET reported none"
    entity_f1 = json.loads(entity_report.read_text())["weighted avg"]["f1-score"] if annotated else None
    (paths.ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    (paths.ROOT / "tests" / "artifacts" / f"nlu_{lang}.json").write_text(
        json.dumps({"intent_f1": intent_f1, "entity_f1": entity_f1}, indent=2)
    )
    confused = {
        k: v
        for k, v in intents.items()
        if isinstance(v, dict)
        and v.get("f1-score", 1) < 0.9
        and k not in ("accuracy", "macro avg", "weighted avg", "micro avg")
    }
    assert intent_f1 >= 0.95, f"{lang} intent F1 {intent_f1:.3f}; weakest intents: {confused}"
    assert entity_f1 is None or entity_f1 >= 0.90, f"{lang} entity F1 {entity_f1:.3f}"
