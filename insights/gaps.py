"""Knowledge gaps: the questions the documents did not answer well, grouped by topic.

A question is a gap candidate when it was refused (or refused and handed to HR), answered with a
confidence just above the refusal threshold, or voted "not helpful". Candidates are grouped first by
the document the knowledge base found closest to them when they were asked (stored with the answer,
refusals included), then, within one document, by their embeddings from the knowledge base's own
encoder (knowledge/embeddings.py: multilingual): each question joins the group whose centroid it is
most similar to, when at least HRBOT_INSIGHTS_GAP_SIMILARITY (cosine), else starts a group. On the
held-out policy questions this matches "about the same document" far better than embeddings alone
(README, Insights; bench/insights_gaps_eval.py). A curator re-asks a group's questions after
uploading a fix and marks the group resolved with the document that fixed it; resolved questions
leave the open list.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import numpy as np
import sqlalchemy as sa

from insights import db
from insights.report import Filters
from insights.settings import InsightsSettings, get_settings

MAX_EXAMPLES = 5


def _embed(texts: list[str]) -> np.ndarray:
    from knowledge.embeddings import USEEmbeddings

    return USEEmbeddings().embed_array(texts)


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Greedy centroid grouping of unit vectors, in input order (deterministic)."""
    groups: list[list[int]] = []
    sums = np.zeros((0, vectors.shape[1] if len(vectors) else 0), dtype=np.float64)
    centroids = sums.copy()
    for i, vec in enumerate(vectors):
        if len(groups):
            sims = centroids @ vec
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                groups[best].append(i)
                sums[best] += vec
                centroids[best] = sums[best] / max(np.linalg.norm(sums[best]), 1e-9)
                continue
        groups.append([i])
        sums = np.vstack([sums, vec.astype(np.float64)])
        centroids = np.vstack([centroids, vec.astype(np.float64)])
    return groups


def closest_document(row: dict[str, Any]) -> str:
    """The document the knowledge base ranked first for the question ("" when it found none)."""
    sources = row.get("sources") or []
    return str(sources[0].get("source") or "") if sources else ""


def grouped(rows: list[dict[str, Any]], vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Indexes of ``rows`` in groups: by closest document, then by embedding within it."""
    keys = [closest_document(r) for r in rows]
    out: list[list[int]] = []
    for key in dict.fromkeys(keys):
        idx = [i for i, k in enumerate(keys) if k == key]
        out.extend([idx[j] for j in members] for members in cluster(vectors[idx], threshold))
    return out


def _vectors(rows: list[dict[str, Any]], settings: InsightsSettings) -> np.ndarray:
    """The questions' embeddings, computed once per question and kept with it."""
    missing = [r for r in rows if not r.get("embedding")]
    if missing:
        fresh = _embed([r["question"] for r in missing])
        with db.engine(settings).begin() as conn:
            for row, vec in zip(missing, fresh, strict=True):
                row["embedding"] = vec.astype(np.float32).tobytes()
                conn.execute(
                    db.answers.update().where(db.answers.c.id == row["id"]).values(embedding=row["embedding"])
                )
    return np.vstack([np.frombuffer(r["embedding"], dtype=np.float32) for r in rows])


def _candidates(conn: sa.Connection, f: Filters) -> list[dict[str, Any]]:
    a, v = db.answers, db.votes
    not_helpful = sa.select(v.c.answer_id).where(v.c.helpful.is_(False))
    query = (
        sa.select(a)
        .where(
            *f.where(a),
            a.c.gap_id.is_(None),
            sa.or_(
                a.c.outcome.in_(("refused", "handed_off")),
                a.c.low_confidence.is_(True),
                a.c.id.in_(not_helpful),
            ),
        )
        .order_by(a.c.at, a.c.id)
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    bad = {r[0] for r in conn.execute(not_helpful.where(v.c.answer_id.in_([r["id"] for r in rows])))}
    for r in rows:
        r["reason"] = (
            "not_helpful"
            if r["id"] in bad
            else ("low_confidence" if r["outcome"] == "answered" else r["outcome"])
        )
    return rows


def open_groups(f: Filters, settings: InsightsSettings | None = None) -> list[dict[str, Any]]:
    """The unresolved gap groups, largest first."""
    settings = settings or get_settings()
    with db.engine(settings).connect() as conn:
        rows = _candidates(conn, f)
    if not rows:
        return []
    vectors = _vectors(rows, settings)
    groups = []
    for members in grouped(rows, vectors, settings.hrbot_insights_gap_similarity):
        items = [rows[i] for i in members]
        ids = sorted(r["id"] for r in items)
        latest = items[-1]
        distinct_q = list(dict.fromkeys(r["question"] for r in reversed(items)))
        sources: list[dict[str, str]] = []
        for r in reversed(items):
            for s in r["sources"] or []:
                if s.get("source") and all(s["source"] != x["source"] for x in sources):
                    sources.append({"source": s["source"], "title": s.get("title") or s["source"]})
        groups.append(
            {
                "id": hashlib.sha256("|".join(ids).encode()).hexdigest()[:12],
                "answer_ids": ids,
                "questions": len(items),
                "people": len({r["person"] for r in items}),
                "languages": dict(Counter(r["lang"] for r in items)),
                "reasons": dict(Counter(r["reason"] for r in items)),
                "examples": distinct_q[:MAX_EXAMPLES],
                "label": distinct_q[0],
                "last_answer": {
                    "question": latest["question"],
                    "outcome": latest["outcome"],
                    "answer": latest["answer"],
                    "sources": latest["sources"] or [],
                },
                "documents": sources[:5],
                "first_day": items[0]["day"].isoformat(),
                "last_day": latest["day"].isoformat(),
            }
        )
    groups.sort(key=lambda g: (-g["questions"], g["label"]))
    return groups


def resolved_groups(settings: InsightsSettings | None = None, limit: int = 50) -> list[dict[str, Any]]:
    settings = settings or get_settings()
    g = db.gaps
    with db.engine(settings).connect() as conn:
        rows = conn.execute(sa.select(g).order_by(g.c.resolved_at.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "label": r.label,
            "questions": r.questions,
            "fixed_by": r.fixed_by,
            "resolved_at": r.resolved_at.isoformat(timespec="seconds") + "Z",
        }
        for r in rows
    ]


def questions_of(answer_ids: list[str], settings: InsightsSettings | None = None) -> list[dict[str, Any]]:
    """The stored (masked) questions and what was answered then, in the order given."""
    settings = settings or get_settings()
    with db.engine(settings).connect() as conn:
        rows = {
            r.id: dict(r._mapping)
            for r in conn.execute(sa.select(db.answers).where(db.answers.c.id.in_(answer_ids)))
        }
    return [rows[i] for i in answer_ids if i in rows]


def resolve(answer_ids: list[str], fixed_by: str, settings: InsightsSettings | None = None) -> dict[str, Any]:
    """Mark these questions resolved by the document ``fixed_by``; they leave the open groups."""
    settings = settings or get_settings()
    rows = questions_of(answer_ids, settings)
    with db.engine(settings).begin() as conn:
        gap_id = conn.execute(
            db.gaps.insert().values(
                label=rows[0]["question"][:300] if rows else "",
                resolved_at=db.utcnow(),
                fixed_by=fixed_by,
                questions=len(rows),
            )
        ).inserted_primary_key[0]
        conn.execute(
            db.answers.update()
            .where(db.answers.c.id.in_([r["id"] for r in rows]), db.answers.c.gap_id.is_(None))
            .values(gap_id=gap_id)
        )
    return {"id": gap_id, "questions": len(rows), "fixed_by": fixed_by}
