"""Stable Python API of the knowledge base, used by the chat action, the CLI and the admin page.

Usage::

    kb = KnowledgeBase()                      # cheap: nothing is opened or loaded yet
    kb.ingest([Path("knowledge/demo")])       # source paths are relative to the ingested folder
    ans = kb.answer("How many days of annual leave do I get?", lang="en")
    ans.answer, ans.confident, [s.source for s in ans.sources]

Audience (access control): every chunk carries an `audience` tag ("all" by default, e.g. "hr"
from front matter `audience: hr` or a folder `hr-only/`). Callers pass the tags the user may see;
"all" documents are always visible, "*" means no restriction (admin tools). `answer` also takes a
function that returns those tags: it is called only when a restricted passage is a candidate, so
the caller looks up the user's roles (a backend call) only for the questions that need it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from knowledge.models import Answer, DocumentInfo, EvalReport, IngestReport, Source
from knowledge.settings import KnowledgeSettings

Audience = str | Iterable[str] | None
#: called with the restricted tags among the candidates; returns the tags the user may see
AudienceLookup = Callable[[set[str]], Audience]


class KnowledgeBase:
    """Facade over ingestion, the store (Chroma + registry + BM25), retrieval and answers.

    Thread-safe for concurrent readers; writes are serialised by a lock inside the process and
    made visible to readers atomically through the document registry (see knowledge/store.py).
    """

    def __init__(self, settings: KnowledgeSettings | None = None) -> None:
        self.settings = settings or KnowledgeSettings()
        self._lock = threading.RLock()
        self._store = None
        self._retriever = None

    # ---------------------------------------------------------------- lazy internals
    @property
    def store(self):  # -> knowledge.store.KnowledgeStore
        """The store, opened on first use (Chroma client, registry)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from knowledge.store import KnowledgeStore

                    self._store = KnowledgeStore(self.settings)
        return self._store

    @property
    def retriever(self):  # -> knowledge.retrieval.HybridRetriever
        """Hybrid retriever (dense + BM25 + glossary), created on first use."""
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    from knowledge.retrieval import HybridRetriever

                    self._retriever = HybridRetriever(self.store, self.settings)
        return self._retriever

    # ---------------------------------------------------------------- ingestion / admin
    def ingest(
        self, paths: list[Path], base: Path | None = None, progress: bool = True, prune: bool = False
    ) -> IngestReport:
        """Add or update every supported file under `paths` (folders are walked recursively).

        `source` = path relative to `base` (default: the folder given, or a file's parent).
        Unchanged files (same content hash) cost only a hash. With `prune=True`, documents under
        the ingested folders that no longer exist on disk are removed.
        """
        from knowledge.ingest import ingest_paths

        with self._lock:
            return ingest_paths(
                self.store, [Path(p) for p in paths], base=base, progress=progress, prune=prune
            )

    def ingest_file(
        self, path: Path, source_name: str | None = None, audience: str | None = None
    ) -> DocumentInfo:
        """Add or replace one document (admin upload). `source_name` defaults to the file name."""
        from knowledge.ingest import ingest_one

        with self._lock:
            return ingest_one(self.store, Path(path), source_name or Path(path).name, audience=audience)

    def list_documents(self) -> list[DocumentInfo]:
        """All indexed documents, sorted by source."""
        return self.store.list_documents()

    def remove(self, source: str) -> int:
        """Remove a document and all its chunks; returns the number of chunks removed."""
        with self._lock:
            return self.store.remove(source)

    def reindex(self, progress: bool = False) -> IngestReport:
        """Re-embed every stored document from its stored chunks (e.g. after a model change) and
        rebuild the lexical index."""
        with self._lock:
            return self.store.reindex(progress=progress)

    # ---------------------------------------------------------------- retrieval / answers
    def search(
        self, query: str, k: int = 5, lang: str | None = None, audience: Audience = "all"
    ) -> list[Source]:
        """Best passages first. `lang` ("en"/"zh", detected when None) is preferred in ranking;
        the other language is never filtered out."""
        return self.retriever.search(query, k=k, lang=lang, audience=audience)

    def answer(
        self, question: str, lang: str | None = None, audience: Audience | AudienceLookup = "all"
    ) -> Answer:
        """A short cited answer; `confident=False` (and a "don't know" text) below the calibrated
        threshold. Uses the LLM when HRBOT_LLM_BASE_URL is set, else extractive sentences.
        `audience`: the tags the user may see, or a function returning them (see module docstring)."""
        from knowledge.answering import answer_question

        return answer_question(self.retriever, self.settings, question, lang=lang, audience=audience)

    def evaluate(
        self, eval_file: Path | list[Path], corpus_root: Path | None = None, progress: bool = False
    ) -> EvalReport:
        """Ingest `corpus_root` (if given, so sources are relative to it) and score the QA file:
        hit@1, hit@3, MRR, facts, refusals per language."""
        from knowledge.evaluation import evaluate

        if corpus_root is not None:
            self.ingest([Path(corpus_root)], base=Path(corpus_root), progress=progress)
        return evaluate(self, eval_file)

    def compare_retrievers(self, eval_file: Path | list[Path], corpus_root: Path | None = None) -> str:
        """Markdown table: retrieval quality of BM25, dense, fused, + glossary, + language preference."""
        from knowledge.evaluation import compare

        if corpus_root is not None:
            self.ingest([Path(corpus_root)], base=Path(corpus_root), progress=True)
        return compare(self, eval_file)


def answer(question: str, lang: str | None = None, audience: Audience = "all") -> Answer:
    """Module-level shortcut on a process-wide default `KnowledgeBase` (env settings)."""
    return default_kb().answer(question, lang=lang, audience=audience)


_DEFAULT: KnowledgeBase | None = None


def warm_up_in_background(kb: KnowledgeBase) -> threading.Thread:
    """Open the store, load the embedding model, the translation dictionary and the speller and
    build the BM25 snapshot off the request path, so the first question after a start does not wait
    seconds for them."""

    def warm() -> None:
        try:
            kb.retriever.embed_query("warm-up")
            # parses CC-CEDICT and builds the English -> Chinese index (seconds, once)
            kb.retriever.candidates("annual leave", lang="en")
            kb.retriever.spell("annual leave")  # the speller's vocabulary (a third of a second)
            chunks = len(kb.store.snapshot().chunks)
            logging.getLogger(__name__).info("knowledge base ready: %d chunks (pid %d)", chunks, os.getpid())
        except Exception:  # a broken store is reported by the first real question, in context
            logging.getLogger(__name__).warning("knowledge base warm-up failed", exc_info=True)

    thread = threading.Thread(target=warm, name="knowledge-warm-up", daemon=True)
    thread.start()
    return thread


def default_kb() -> KnowledgeBase:
    """Process-wide KnowledgeBase from env settings (the embedding model is loaded once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = KnowledgeBase()
    return _DEFAULT
