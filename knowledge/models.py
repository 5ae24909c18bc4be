"""Result types of the knowledge API (stable: used by the chat action, the CLI and the admin page)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Source(BaseModel):
    """One retrieved passage with its citation data. `score` is comparable across queries (0..1)."""

    source: str
    title: str
    section: str = ""
    score: float = 0.0
    text: str = ""
    language: str = ""
    audience: str = "all"
    chunk_index: int = 0
    #: the answer quotes this passage (the others in `Answer.sources` were retrieved beside it);
    #: what "where does it say that?" names
    quoted: bool = False

    def cli_dict(self) -> dict[str, object]:
        """The CLI/JSON contract fields only: source, title, section, score, text."""
        return {
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "score": round(self.score, 4),
            "text": self.text,
        }


class Answer(BaseModel):
    """An answer to show the user. When `confident` is False, `answer` says we do not know and the
    chat offers a hand-off to HR; `sources` may still hold the closest passages for HR staff."""

    answer: str
    sources: list[Source] = Field(default_factory=list)
    confident: bool = False
    confidence: float = 0.0
    language: str = "en"
    #: "answer" (confident), "hedged" (the closest passage, cited, with a plain caveat and an offer
    #: to ask HR) or "refused" (hand-off); `confident` is False only for "refused" (the answer
    #: text is then the "don't know" message)
    grade: str = "refused"
    #: the passage is in another language than the question (the chat says so)
    other_language: bool = False
    #: the evidence the grade was decided on (for evaluation and calibration)
    features: dict[str, float] = Field(default_factory=dict)

    def cli_dict(self) -> dict[str, object]:
        """The `ask --json` contract: answer, sources, confident."""
        return {
            "answer": self.answer,
            "sources": [s.cli_dict() for s in self.sources],
            "confident": self.confident,
            "grade": self.grade,
        }


class DocumentInfo(BaseModel):
    """One indexed document (a version of a source file)."""

    source: str
    title: str
    language: str
    content_hash: str
    chunk_count: int
    indexed_at: datetime
    audience: str = "all"

    @property
    def version(self) -> str:
        """Short version id shown to curators."""
        return self.content_hash[:12]


class IngestReport(BaseModel):
    """What an ingest run did."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    #: files without extractable text (e.g. redirect stubs): nothing to index, not an error
    skipped: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def files_seen(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.failed)


class LangMetrics(BaseModel):
    """Dev-set metrics for one language (or 'all')."""

    n_answerable: int = 0
    n_unanswerable: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    facts: float = 0.0
    #: unanswerable questions refused (hand-off), answered with confidence, and hedged
    refusals: float = 0.0
    unanswerable_answered: float = 0.0
    unanswerable_hedged: float = 0.0
    #: answerable questions refused, and hedged (the closest passage shown with a caveat)
    false_refusals: float = 0.0
    answerable_hedged: float = 0.0


class EvalReport(BaseModel):
    """Per-language metrics plus per-question details for error analysis."""

    per_language: dict[str, LangMetrics] = Field(default_factory=dict)
    details: list[dict[str, object]] = Field(default_factory=list)

    def markdown(self) -> str:
        """A Markdown table, one row per language."""
        rows = [
            "| set | n | hit@1 | hit@3 | MRR | facts | unanswerable refused | unanswerable answered "
            "| unanswerable hedged | answerable refused | answerable hedged |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for lang, m in self.per_language.items():
            rows.append(
                f"| {lang} | {m.n_answerable}+{m.n_unanswerable} | {m.hit1:.2f} | {m.hit3:.2f} | "
                f"{m.mrr:.2f} | {m.facts:.2f} | {m.refusals:.2f} | {m.unanswerable_answered:.2f} | "
                f"{m.unanswerable_hedged:.2f} | {m.false_refusals:.2f} | {m.answerable_hedged:.2f} |"
            )
        return "\n".join(rows)
