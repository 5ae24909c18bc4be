"""Dev-set evaluation: retrieval (hit@1, hit@3, MRR) and answers (facts, refusals) per language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from knowledge.models import EvalReport, LangMetrics

if TYPE_CHECKING:
    from knowledge.api import KnowledgeBase
    from knowledge.retrieval import RetrievalConfig


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def load_items(eval_file: Path) -> list[dict]:
    items = yaml.safe_load(Path(eval_file).read_text(encoding="utf-8")) or []
    return items["items"] if isinstance(items, dict) else items


def evaluate(
    kb: KnowledgeBase,
    eval_file: Path,
    config: RetrievalConfig | None = None,
    min_confidence: dict[str, float] | None = None,
    answers: bool = True,
) -> EvalReport:
    """Score every item; an item with `source: null` is unanswerable and must be refused."""
    from knowledge.answering import answer_question

    settings = kb.settings
    if min_confidence is not None:
        settings = settings.model_copy(update={"knowledge_min_confidence": min_confidence})
    details: list[dict[str, object]] = []
    for it in load_items(eval_file):
        lang = it.get("lang")
        qvec = kb.retriever.embed_query(it["question"])
        cands = kb.retriever.candidates(it["question"], lang=lang, audience=None, config=config, qvec=qvec)
        ok = {it["source"], *(it.get("also_ok") or [])} if it.get("source") else set()
        rank = next((r for r, c in enumerate(cands[:10], 1) if c.chunk.source in ok), None)
        d: dict[str, object] = {
            "id": it.get("id"),
            "lang": lang,
            "question": it["question"],
            "answerable": bool(ok),
            "rank": rank,
            "top": [c.chunk.source + " § " + c.chunk.meta.get("section", "") for c in cands[:3]],
        }
        if answers:
            ans = answer_question(
                kb.retriever,
                settings,
                it["question"],
                lang=lang,
                audience=None,
                candidates=cands,
                use_llm=False,
            )
            facts = [str(f) for f in it.get("answer_facts") or []]
            d.update(
                confident=ans.confident,
                confidence=round(ans.confidence, 4),
                answer=ans.answer,
                facts_ok=all(_norm(f) in _norm(ans.answer) for f in facts) if ok else None,
            )
        details.append(d)
    rep = EvalReport(details=details)
    for lang in [*sorted({str(d["lang"]) for d in details}), "all"]:
        rows = [d for d in details if lang == "all" or d["lang"] == lang]
        ans_rows = [d for d in rows if d["answerable"]]
        una_rows = [d for d in rows if not d["answerable"]]
        m = LangMetrics(n_answerable=len(ans_rows), n_unanswerable=len(una_rows))
        if ans_rows:
            m.hit1 = sum(1 for d in ans_rows if d["rank"] == 1) / len(ans_rows)
            m.hit3 = sum(1 for d in ans_rows if d["rank"] and d["rank"] <= 3) / len(ans_rows)
            m.mrr = sum(1 / d["rank"] for d in ans_rows if d["rank"]) / len(ans_rows)
            if answers:
                m.facts = sum(1 for d in ans_rows if d["facts_ok"]) / len(ans_rows)
                m.false_refusals = sum(1 for d in ans_rows if not d["confident"]) / len(ans_rows)
        if una_rows and answers:
            m.refusals = sum(1 for d in una_rows if not d["confident"]) / len(una_rows)
        rep.per_language[lang] = m
    return rep


#: The combinations compared by `hrbot knowledge eval --compare` (the last one is what ships).
_PLAIN = {"heading_boost": 0.0, "answer_type_boost": 0.0}
COMBINATIONS: dict[str, dict[str, bool | float]] = {
    "BM25 (jieba)": {"dense": False, "glossary": False, "lang_pref": False, **_PLAIN},
    "dense (USE)": {"bm25": False, "glossary": False, "lang_pref": False, **_PLAIN},
    "dense + BM25": {"glossary": False, "lang_pref": False, **_PLAIN},
    "dense + BM25 + glossary": {"lang_pref": False, **_PLAIN},
    "dense + BM25 + glossary + language preference": {**_PLAIN},
    "+ heading match": {"answer_type_boost": 0.0},
    "+ heading match + answer type (shipped)": {},
}


def compare(kb: KnowledgeBase, eval_file: Path) -> str:
    """Retrieval quality of each combination, as a Markdown table (answers are not scored)."""
    from knowledge.retrieval import RetrievalConfig

    rows = [
        "| retrieval | en hit@1 | en hit@3 | en MRR | zh hit@1 | zh hit@3 | zh MRR |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, switches in COMBINATIONS.items():
        rep = evaluate(kb, eval_file, config=RetrievalConfig(**switches), answers=False)
        cells = []
        for lang in ("en", "zh"):
            m = rep.per_language.get(lang)
            cells += [f"{m.hit1:.2f}", f"{m.hit3:.2f}", f"{m.mrr:.2f}"] if m else ["-", "-", "-"]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
