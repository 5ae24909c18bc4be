"""Dev-set evaluation: retrieval (hit@1, hit@3, MRR) and answers (facts, refusals) per language."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
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


def item_group(it: dict) -> str:
    """The row an item is reported in: its language, or "en→zh" / "zh→en" for a cross-lingual item
    (asked in one language about a document in the other)."""
    lang = str(it.get("lang") or "en")
    if it.get("cross_lingual"):
        return f"{lang}→{'en' if lang == 'zh' else 'zh'}"
    return lang


def evaluate(
    kb: KnowledgeBase,
    eval_file: Path | list[Path],
    config: RetrievalConfig | None = None,
    min_confidence: dict[str, float] | None = None,
    answers: bool = True,
) -> EvalReport:
    """Score every item; an item with `source: null` is unanswerable and must be refused.

    Grades (see knowledge/answering.py): an answer is `answer` (confident), `hedged` (the closest
    passage, cited, with a plain "may not answer exactly" and an offer to ask HR) or `refused`.
    `facts` counts an answerable question whose shown text (answer or hedged) holds every fact.
    """
    from knowledge.answering import answer_question

    settings = kb.settings
    if min_confidence is not None:
        settings = settings.model_copy(update={"knowledge_min_confidence": min_confidence})
    files = [eval_file] if isinstance(eval_file, str | Path) else list(eval_file)
    details: list[dict[str, object]] = []
    for it in (i for f in files for i in load_items(Path(f))):
        lang = it.get("lang")
        qvec = kb.retriever.embed_query(it["question"])
        cands = kb.retriever.candidates(it["question"], lang=lang, audience=None, config=config, qvec=qvec)
        ok = {it["source"], *(it.get("also_ok") or [])} if it.get("source") else set()
        rank = next((r for r, c in enumerate(cands[:10], 1) if c.chunk.source in ok), None)
        d: dict[str, object] = {
            "id": it.get("id"),
            "lang": lang,
            "group": item_group(it),
            "kind": it.get("kind"),
            "voice": list(it.get("voice") or []),
            "near_miss": it.get("near_miss"),
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
            shown = ans.grade != "refused"
            d.update(
                grade=ans.grade,
                confident=ans.confident,
                confidence=round(ans.confidence, 4),
                features={k: round(v, 4) for k, v in ans.features.items()},
                answer=ans.answer,
                facts_ok=(shown and all(_norm(f) in _norm(ans.answer) for f in facts)) if ok else None,
            )
        details.append(d)
    rep = EvalReport(details=details)
    for group in [*sorted({str(d["group"]) for d in details}), "all"]:
        rows = [d for d in details if group == "all" or d["group"] == group]
        rep.per_language[group] = _metrics(rows, answers)
    return rep


def _metrics(rows: list[dict], answers: bool) -> LangMetrics:
    ans_rows = [d for d in rows if d["answerable"]]
    una_rows = [d for d in rows if not d["answerable"]]
    m = LangMetrics(n_answerable=len(ans_rows), n_unanswerable=len(una_rows))
    if ans_rows:
        m.hit1 = sum(1 for d in ans_rows if d["rank"] == 1) / len(ans_rows)
        m.hit3 = sum(1 for d in ans_rows if d["rank"] and d["rank"] <= 3) / len(ans_rows)
        m.mrr = sum(1 / d["rank"] for d in ans_rows if d["rank"]) / len(ans_rows)
        if answers:
            m.facts = sum(1 for d in ans_rows if d["facts_ok"]) / len(ans_rows)
            m.false_refusals = sum(1 for d in ans_rows if d["grade"] == "refused") / len(ans_rows)
            m.answerable_hedged = sum(1 for d in ans_rows if d["grade"] == "hedged") / len(ans_rows)
    if una_rows and answers:
        m.refusals = sum(1 for d in una_rows if d["grade"] == "refused") / len(una_rows)
        m.unanswerable_answered = sum(1 for d in una_rows if d["grade"] == "answer") / len(una_rows)
        m.unanswerable_hedged = sum(1 for d in una_rows if d["grade"] == "hedged") / len(una_rows)
    return m


#: what goes wrong with an item, for the blind (by category) report
FAILURES: dict[str, Callable[[dict], bool]] = {
    "not in top 3": lambda d: d["answerable"] and not (d["rank"] and d["rank"] <= 3),
    "not first": lambda d: d["answerable"] and d["rank"] != 1,
    "fact missing": lambda d: d["answerable"] and not d.get("facts_ok"),
    "answerable refused": lambda d: d["answerable"] and d.get("grade") == "refused",
    "answerable hedged": lambda d: d["answerable"] and d.get("grade") == "hedged",
    "unanswerable answered": lambda d: not d["answerable"] and d.get("grade") == "answer",
    "unanswerable hedged": lambda d: not d["answerable"] and d.get("grade") == "hedged",
}


def by_category(rep: EvalReport) -> str:
    """Failures counted by group, kind, voice tag and near miss: no question, id or answer text
    appears, so a test part can be looked at without being tuned to (see tests/knowledge/heldout)."""
    cats: dict[str, list[dict]] = {}
    for d in rep.details:
        keys = [f"group={d['group']}", f"kind={d.get('kind')}"]
        keys += [f"voice={v}" for v in d.get("voice") or []]
        if d.get("near_miss") is not None and not d["answerable"]:
            keys.append(f"near_miss={bool(d['near_miss'])}")
        for k in keys:
            cats.setdefault(k, []).append(d)
    names = list(FAILURES)
    rows = ["| category | n | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for k in sorted(cats):
        ds = cats[k]
        counts = [str(sum(1 for d in ds if FAILURES[f](d))) for f in names]
        rows.append(f"| {k} | {len(ds)} | " + " | ".join(counts) + " |")
    return "\n".join(rows)


def blind(rep: EvalReport) -> EvalReport:
    """The report without question, id, answer or passage text: figures and categories only."""
    keep = ("group", "lang", "kind", "voice", "near_miss", "answerable", "rank", "grade", "facts_ok")
    details = [{k: d.get(k) for k in keep} for d in rep.details]
    return EvalReport(per_language=rep.per_language, details=details)


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


def compare(kb: KnowledgeBase, eval_file: Path | list[Path]) -> str:
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


#: relevance bins of the reliability table (the grade thresholds are edges) and of the plot (even)
RELIABILITY_EDGES = (0.0, 0.24, 0.30, 0.35, 0.40, 0.45, 0.53, 1.0)
PLOT_EDGES = tuple(round(0.15 + 0.05 * i, 2) for i in range(12))  # 0.15 … 0.70
Bin = dict[str, float]
#: the rules an answer is graded by (knowledge/answering.py): question language -> passage language
GRADE_RULES = {
    "en-en": "English question, English passage (relevance + MiniLM)",
    "zh-zh": "Chinese question, Chinese passage (relevance)",
    "en-zh": "English question, Chinese passage (relevance)",
    "zh-en": "Chinese question, English passage (relevance)",
    "en-en-relevance": "English question, English passage, a Chinese one shown first (relevance)",
}


def graded_on(d: dict) -> float:
    """The score an evaluated answer was graded on (its relevance, or the English grade score)."""
    feats = d.get("features") or {}
    return float(feats.get("grade_score", d.get("confidence") or 0.0))


def grade_rule(d: dict) -> str:
    """Which of `GRADE_RULES` graded an evaluated answer (from the features it was graded on)."""
    feats = d.get("features") or {}
    lang = str(d["lang"])
    if "en_score" in feats:
        return "en-en"
    other = {"en": "zh", "zh": "en"}[lang] if feats.get("best_other_language") else lang
    return f"{lang}-{other}" + ("-relevance" if lang == other == "en" else "")


def reliability(rep: EvalReport, edges: tuple[float, ...] = RELIABILITY_EDGES) -> list[Bin]:
    """Per relevance bin: how many questions, and the share that were answerable, had the right
    document first and got the fact shown: what a relevance threshold can and cannot tell apart."""
    out: list[Bin] = []

    def clipped(d: dict) -> float:  # the end bins take what lies beyond them
        return min(max(graded_on(d), edges[0]), edges[-1] - 1e-9)

    for lo, hi in itertools.pairwise(edges):
        rows = [d for d in rep.details if lo <= clipped(d) < hi]
        ans = [d for d in rows if d["answerable"]]
        n = len(rows) or 1
        out.append(
            {
                "lo": lo,
                "hi": hi,
                "n": len(rows),
                "answerable": len(ans) / n,
                "first": sum(d["rank"] == 1 for d in ans) / n,
                "fact": sum(bool(d.get("facts_ok")) for d in ans) / n,
            }
        )
    return out


def reliability_markdown(bins: list[Bin]) -> str:
    lines = ["| score graded on | questions | answerable | right document first | fact shown |"]
    lines.append("|---|---|---|---|---|")
    for b in (b for b in bins if b["n"]):
        shares = " | ".join(f"{b[k]:.2f}" for k in ("answerable", "first", "fact"))
        lines.append(f"| {b['lo']:.2f}–{b['hi']:.2f} | {b['n']:.0f} | {shares} |")
    return "\n".join(lines)


def reliability_plot(rep: EvalReport, path: Path) -> None:
    """A reliability diagram per grading rule (matplotlib, a dev dependency): the share of
    answerable questions per bin of the score the answer was graded on, the share whose fact was
    shown, and the rule's two thresholds (refused below the first, answered plainly from the second,
    hedged between)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rules = [r for r in GRADE_RULES if sum(grade_rule(d) == r for d in rep.details) >= 5]
    cols = 2 if len(rules) > 1 else 1  # a rule used for fewer than 5 questions is not drawn
    rows_n = (len(rules) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.5 * cols, 3.6 * rows_n), sharey=True, squeeze=False)
    for ax, rule in zip(axes.flat, rules, strict=False):
        details = [d for d in rep.details if grade_rule(d) == rule]
        bins = [b for b in reliability(EvalReport(details=details), PLOT_EDGES) if b["n"]]
        mids = [(b["lo"] + b["hi"]) / 2 for b in bins]
        widths = [0.9 * (b["hi"] - b["lo"]) for b in bins]
        ax.bar(mids, [b["answerable"] for b in bins], width=widths, color="#9ecae1", label="answerable")
        ax.plot(mids, [b["fact"] for b in bins], "o-", color="#08519c", label="answerable, fact shown")
        for x, b in zip(mids, bins, strict=True):
            ax.annotate(f"{b['n']:.0f}", (x, b["answerable"] + 0.01), ha="center", fontsize=7, color="#444")
        feats = details[0].get("features") or {}
        low, high = float(feats.get("hedge_at", 0.0)), float(feats.get("plain_at", 0.0))
        ax.axvline(low, color="#d62728", ls="--", lw=1, label=f"refused below {low:.2f}")
        ax.axvline(high, color="#2ca02c", ls="--", lw=1, label=f"answered from {high:.2f}")
        ax.set_title(f"{GRADE_RULES[rule]}, n={len(details)}", fontsize=9)
        ax.set_xlabel("score graded on (bins of 0.05; questions above each bar)", fontsize=8)
        ax.set_xlim(PLOT_EDGES[0], PLOT_EDGES[-1])
        ax.set_ylim(0, 1.1)
        ax.legend(fontsize=6, loc="upper left")
    for ax in axes.flat[len(rules) :]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("share of the questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
