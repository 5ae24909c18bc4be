"""Typer sub-app mounted by the lead as `hrbot knowledge ...`, plus `ask_command` for `hrbot ask`.

JSON contract (stable): `search --json` prints a list of {"source","title","section","score","text"}
best first; `ask --json` prints {"answer": str, "sources": [...], "confident": bool}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from knowledge.models import EvalReport

app = typer.Typer(
    help="Knowledge base: ingest HR documents, search them, evaluate retrieval.", no_args_is_help=True
)


def _kb(chroma_path: Path | None = None):
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    settings = KnowledgeSettings()
    if chroma_path is not None:
        settings = settings.model_copy(
            update={
                "knowledge_chroma_path": chroma_path,
                "knowledge_chroma_url": None,
                "knowledge_registry_path": None,
            }
        )
    return KnowledgeBase(settings)


def _default_corpus() -> Path | None:
    """The reference corpus beside the checkout (../shared/corpus), when present."""
    p = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    return p if p.is_dir() else None


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked recursively).")],
    base: Annotated[Path | None, typer.Option(help="Make sources relative to this folder.")] = None,
    prune: Annotated[bool, typer.Option(help="Remove indexed documents missing on disk.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Add or update documents (unchanged files are skipped by content hash)."""
    rep = _kb().ingest(paths, base=base, progress=progress, prune=prune)
    typer.echo(
        f"added {len(rep.added)}, updated {len(rep.updated)}, unchanged {len(rep.unchanged)}, "
        f"removed {len(rep.removed)}, skipped {len(rep.skipped)}, failed {len(rep.failed)}; "
        f"{rep.chunks_embedded} chunks embedded in {rep.seconds:.1f}s"
    )
    for src, err in rep.failed.items():
        typer.echo(f"FAILED {src}: {err}", err=True)
    if rep.failed:
        raise typer.Exit(1)


@app.command("list")
def list_(json_: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """List indexed documents."""
    docs = _kb().list_documents()
    if json_:
        _echo_json([d.model_dump(mode="json") for d in docs])
        return
    for d in docs:
        typer.echo(
            f"{d.source}\t{d.title}\t{d.language}\t{d.audience}\t{d.version}\t"
            f"{d.chunk_count} chunks\t{d.indexed_at:%Y-%m-%d %H:%M}"
        )


@app.command()
def remove(source: str) -> None:
    """Remove a document and all its chunks."""
    n = _kb().remove(source)
    if n == 0:
        typer.echo(f"not indexed: {source}", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {source} ({n} chunks)")


@app.command()
def reindex() -> None:
    """Re-embed all stored chunks and rebuild the lexical index."""
    rep = _kb().reindex(progress=True)
    typer.echo(f"reindexed {rep.chunks_embedded} chunks in {rep.seconds:.1f}s")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", "-k", help="Number of passages.")] = 5,
    lang: Annotated[str | None, typer.Option(help="Preferred language en/zh.")] = None,
    audience: Annotated[str, typer.Option(help="Audience tags, comma separated; '*' = all.")] = "all",
    json_: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Search the knowledge base (best first)."""
    hits = _kb().search(query, k=k, lang=lang, audience=audience.split(","))
    if json_:
        _echo_json([h.cli_dict() for h in hits])
        return
    for i, h in enumerate(hits, 1):
        typer.echo(f"{i}. [{h.score:.3f}] {h.source} § {h.section}\n   {h.text[:200]}")


@app.command("eval")
def eval_(
    eval_files: Annotated[
        list[Path], typer.Argument(help="QA YAML files (id, lang, question, source, answer_facts).")
    ],
    corpus: Annotated[Path | None, typer.Option(help="Corpus root; default ../shared/corpus.")] = None,
    store: Annotated[Path, typer.Option(help="Separate eval store.")] = Path("var/eval-chroma"),
    json_out: Annotated[Path | None, typer.Option("--json-out", help="Write the full report.")] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Compare retriever combinations (retrieval only).")
    ] = False,
    by_category: Annotated[
        bool, typer.Option("--by-category", help="Also count failures by group, kind and voice.")
    ] = False,
    blind: Annotated[
        bool,
        typer.Option(
            "--blind",
            help="For a test part: figures and failures by category only, no question or answer text "
            "(also in --json-out).",
        ),
    ] = False,
    reliability: Annotated[
        Path | None,
        typer.Option(
            "--reliability",
            help="Also print the relevance reliability table per question language and draw it to this "
            "PNG (tuning parts only: not with --blind; needs matplotlib, a dev dependency).",
        ),
    ] = None,
) -> None:
    """Ingest the corpus into a separate store and report, per language and cross-lingual set,
    hit@1, hit@3, MRR, facts and the three answer grades (answer / hedged / refused)."""
    from knowledge.evaluation import blind as blind_report
    from knowledge.evaluation import by_category as category_table

    corpus = corpus or _default_corpus()
    if corpus is None:
        typer.echo("no corpus: pass --corpus DIR", err=True)
        raise typer.Exit(2)
    missing = [str(f) for f in eval_files if not f.is_file()]
    if missing:
        typer.echo(f"no such eval file: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    if reliability and blind:
        typer.echo("--reliability is for tuning parts: a test part is looked at by category only", err=True)
        raise typer.Exit(2)
    if compare:
        typer.echo(_kb(chroma_path=store).compare_retrievers(eval_files, corpus_root=corpus))
        return
    rep = _kb(chroma_path=store).evaluate(eval_files, corpus_root=corpus, progress=True)
    if blind:
        rep = blind_report(rep)
    typer.echo(rep.markdown())
    if by_category or blind:
        typer.echo("\nFailures by category (counts):\n")
        typer.echo(category_table(rep))
    if json_out:
        json_out.write_text(rep.model_dump_json(indent=2), encoding="utf-8")
    if reliability:
        _reliability(rep, reliability)


def _reliability(rep: EvalReport, path: Path) -> None:
    """The score each answer was graded on against what it should predict, per grading rule, with
    the rule's thresholds (issue 16: calibrated refusal)."""
    from knowledge.evaluation import GRADE_RULES, grade_rule, reliability_markdown, reliability_plot
    from knowledge.evaluation import reliability as bins_of
    from knowledge.models import EvalReport

    for rule, title in GRADE_RULES.items():
        details = [d for d in rep.details if grade_rule(d) == rule]
        if details:
            feats = details[0].get("features") or {}
            typer.echo(
                f"\nReliability, {title} (refused below {feats.get('hedge_at')}, answered from "
                f"{feats.get('plain_at')}):\n"
            )
            typer.echo(reliability_markdown(bins_of(EvalReport(details=details))))
    reliability_plot(rep, path)
    typer.echo(f"\nplot: {path}")


def ask_command(
    question: str,
    lang: Annotated[str | None, typer.Option(help="Answer language en/zh (detected if omitted).")] = None,
    audience: Annotated[str, typer.Option(help="Audience tags, comma separated.")] = "all",
    json_: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Answer a policy question with citations (mounted as `hrbot ask`)."""
    ans = _kb().answer(question, lang=lang, audience=audience.split(","))
    if json_:
        _echo_json(ans.cli_dict())
        return
    if ans.grade == "hedged":
        typer.echo("(The documents may not answer this exactly; the closest passage:)")
    if ans.other_language:
        typer.echo(f"(Quoted from a document in {'English' if ans.language == 'zh' else 'Chinese'}.)")
    typer.echo(ans.answer)
    for s in ans.sources:
        typer.echo(f"  - {s.title} § {s.section} ({s.source})")
