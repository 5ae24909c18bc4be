"""On the reference corpus: the CLI JSON contract and the dev-set evaluation (loose goals)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from knowledge.cli import app, ask_command

from .conftest import CORPUS, DEV_QA, needs_corpus

pytestmark = [pytest.mark.corpus, needs_corpus]
FIELDS = {"source", "title", "section", "score", "text"}


def _env(store: Path) -> dict[str, str]:
    return {
        "KNOWLEDGE_CHROMA_PATH": str(store / "chroma"),
        "KNOWLEDGE_CHROMA_URL": "",
        "HRBOT_LLM_BASE_URL": "",
        "HF_HUB_OFFLINE": "1",
    }


def test_cli_search_json(corpus_store: Path) -> None:
    args = ["search", "女职工产假多少天", "--k", "5", "--json"]
    res = CliRunner().invoke(app, args, env=_env(corpus_store))
    assert res.exit_code == 0, res.output
    hits = json.loads(res.output)
    assert 1 <= len(hits) <= 5 and all(set(h) == FIELDS for h in hits)
    assert hits[0]["source"] == "zh/女职工劳动保护特别规定(2012-04-28).md"
    assert hits[0]["section"] == "第七条"
    assert [h["score"] for h in hits] and all(0 <= h["score"] <= 1 for h in hits)


def test_cli_ask_json(corpus_store: Path) -> None:
    ask = typer.Typer()
    ask.command("ask")(ask_command)
    ask.command("noop")(lambda: None)  # two commands: keep "ask" as a sub-command like in hrbot
    q = "How many hours of sick leave do I earn each pay period?"
    res = CliRunner().invoke(ask, ["ask", q, "--json"], env=_env(corpus_store))
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"answer", "sources", "confident", "grade"}
    assert out["confident"] is True and out["answer"]
    assert all(set(s) == FIELDS for s in out["sources"])
    assert any("sick" in s["text"].lower() for s in out["sources"])


def test_cli_list_and_unchanged_ingest(corpus_store: Path) -> None:
    env = _env(corpus_store)
    res = CliRunner().invoke(app, ["list", "--json"], env=env)
    docs = json.loads(res.output)
    assert len(docs) > 250 and {"source", "title", "language", "content_hash", "chunk_count"} <= set(docs[0])
    res = CliRunner().invoke(app, ["ingest", str(CORPUS), "--base", str(CORPUS), "--no-progress"], env=env)
    assert res.exit_code == 0, res.output
    assert "added 0, updated 0" in res.output and "0 chunks embedded" in res.output


def test_dev_set_eval(corpus_kb) -> None:
    """Regression floors a little under the measured figures (README, `hrbot knowledge eval`); the
    answers must keep the goal."""
    from knowledge.evaluation import evaluate

    rep = evaluate(corpus_kb, DEV_QA)
    for lang in ("en", "zh"):
        m = rep.per_language[lang]
        assert m.hit3 >= 0.9, (lang, m)
        assert m.mrr >= 0.8, (lang, m)
        assert m.facts >= 0.85, (lang, m)  # the goal (issue 5)
        # unanswerable questions are refused or hedged (shown with a caveat), never answered plainly
        assert m.unanswerable_answered <= 0.25, (lang, m)
        assert m.false_refusals <= 0.1, (lang, m)


def test_fused_retrieval_beats_each_retriever_alone(corpus_kb) -> None:
    """The shipped combination must find the right document at least as often as BM25 or the dense
    retriever alone, in each language (the reason it is shipped)."""
    from knowledge.evaluation import COMBINATIONS, evaluate
    from knowledge.retrieval import RetrievalConfig

    def mrr(switches: dict[str, bool]) -> dict[str, float]:
        rep = evaluate(corpus_kb, DEV_QA, config=RetrievalConfig(**switches), answers=False)
        return {lang: rep.per_language[lang].mrr for lang in ("en", "zh")}

    shipped = mrr({})
    for name in ("BM25 (jieba)", "dense (USE)"):
        alone = mrr(COMBINATIONS[name])
        for lang in ("en", "zh"):
            assert shipped[lang] >= alone[lang], (name, lang, shipped, alone)


def test_heading_match_and_answer_type_do_not_lose_documents(corpus_kb) -> None:
    """The two signals added on top of fusion (the section heading naming the asked topic, a
    duration or amount for "how long / how many") must not rank the right document lower on the
    dev set, in either language, than fusion without them: never out of the top 3 (what answers
    and citations use), and MRR not lower but for noise below the top 5 (one question moving from
    6th to 7th costs 0.001)."""
    from knowledge.evaluation import COMBINATIONS, evaluate
    from knowledge.retrieval import RetrievalConfig

    def quality(switches: dict) -> dict[str, tuple[float, float]]:
        rep = evaluate(corpus_kb, DEV_QA, config=RetrievalConfig(**switches), answers=False)
        return {lang: (rep.per_language[lang].hit3, rep.per_language[lang].mrr) for lang in ("en", "zh")}

    shipped = quality({})
    without = quality(COMBINATIONS["dense + BM25 + glossary + language preference"])
    for lang in ("en", "zh"):
        assert shipped[lang][0] >= without[lang][0], (lang, shipped, without)
        assert shipped[lang][1] >= without[lang][1] - 0.002, (lang, shipped, without)


def test_cli_eval_draws_the_reliability_of_each_grading_rule(corpus_store: Path, tmp_path: Path) -> None:
    """A curator calibrating the grade sees, per grading rule, how the score it was graded on relates
    to answerable questions and shown facts, as a table and a diagram; never for a blind test part."""
    env = _env(corpus_store)
    plot = tmp_path / "reliability.png"
    base = ["eval", str(DEV_QA), "--corpus", str(CORPUS), "--store", str(corpus_store / "chroma")]
    res = CliRunner().invoke(app, [*base, "--reliability", str(plot)], env=env)
    assert res.exit_code == 0, res.output
    assert "Reliability, English question, English passage (relevance + MiniLM)" in res.output
    assert "Reliability, Chinese question, Chinese passage (relevance)" in res.output
    assert "| score graded on | questions | answerable |" in res.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = CliRunner().invoke(app, [*base, "--blind", "--reliability", str(tmp_path / "no.png")], env=env)
    assert refused.exit_code == 2 and not (tmp_path / "no.png").exists()
