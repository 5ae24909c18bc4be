"""The actions' and the gateway's own records: policy answers, hand-offs and votes.

Written where the facts are known (the policy action knows the confidence, the sources and the
index version; the gateway knows who voted), masked and pseudonymised before they are stored.
A failure here is logged and never breaks a chat turn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import structlog

from insights import db
from insights.masking import mask
from insights.settings import InsightsSettings, get_settings

log = structlog.get_logger(__name__)

#: a refusal followed by a hand-off within this time counts as handed off
HANDOFF_WINDOW = timedelta(hours=2)
MAX_COMMENT = 500


def local_day(at: Any, settings: InsightsSettings | None = None):  # -> date
    """The users' calendar day of a naive-UTC time (HRBOT_TIMEZONE)."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    settings = settings or get_settings()
    return at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(settings.hrbot_timezone)).date()


def channel_of(sender_id: str, metadata_channel: str | None = None) -> str:
    """The channel a conversation runs on: the connector says so; the sender id prefix otherwise."""
    if metadata_channel in ("web", "telegram"):
        return metadata_channel
    return sender_id.split(":", 1)[0] if ":" in sender_id else "other"


@dataclass
class AnswerRecord:
    id: str
    outcome: str
    low_confidence: bool


def record_answer(
    *,
    question: str,
    lang: str,
    sender_id: str,
    employee_id: str | None,
    channel: str,
    answer: Any,
    outcome: str,
    index_version: str,
    min_confidence: float | None = None,
    versions: dict[str, str] | None = None,
    settings: InsightsSettings | None = None,
) -> AnswerRecord:
    """Store one policy answer (or refusal); returns its id (the widget's feedback buttons carry it)."""
    settings = settings or get_settings()
    now = db.utcnow()
    confidence = float(getattr(answer, "confidence", 0.0) or 0.0)
    # the score the answer was graded on (an English answer's blends in the English encoder)
    graded_on = float((getattr(answer, "features", None) or {}).get("grade_score", confidence))
    low = bool(
        outcome == "answered"
        and min_confidence is not None
        and graded_on < min_confidence + settings.hrbot_insights_low_confidence_margin
    )
    sources = [
        {
            "source": s.source,
            "section": s.section,
            "title": s.title,
            "version": (versions or {}).get(s.source, ""),
        }
        for s in (getattr(answer, "sources", None) or [])
    ]
    record = AnswerRecord(id=uuid.uuid4().hex, outcome=outcome, low_confidence=low)
    row = {
        "id": record.id,
        "at": now,
        "day": local_day(now, settings),
        "channel": channel,
        "lang": lang if lang in ("en", "zh") else "en",
        "person": db.pseudonym(db.person_key(employee_id, sender_id), settings),
        "conversation": db.pseudonym(sender_id, settings, "conversation"),
        "question": mask(question)[:2000],
        "outcome": outcome,
        "confidence": confidence,
        "low_confidence": low,
        "sources": sources,
        "answer": mask(getattr(answer, "answer", "") or "")[:4000],
        "index_version": index_version[:60],
    }
    with db.engine(settings).begin() as conn:
        conn.execute(db.answers.insert(), row)
    return record


def record_handoff(
    *,
    sender_id: str,
    employee_id: str | None,
    channel: str,
    lang: str,
    case_id: int,
    settings: InsightsSettings | None = None,
) -> None:
    """Store a hand-off; the refusals just before it in the conversation now count as handed off."""
    settings = settings or get_settings()
    now = db.utcnow()
    conversation = db.pseudonym(sender_id, settings, "conversation")
    with db.engine(settings).begin() as conn:
        seen = conn.execute(sa.select(db.handoffs.c.id).where(db.handoffs.c.case_id == case_id)).first()
        if seen is not None:
            return  # the same case again (a second click: the backend returned the case it had opened)
        conn.execute(
            db.handoffs.insert(),
            {
                "at": now,
                "day": local_day(now, settings),
                "channel": channel,
                "lang": lang if lang in ("en", "zh") else "en",
                "person": db.pseudonym(db.person_key(employee_id, sender_id), settings),
                "conversation": conversation,
                "case_id": case_id,
            },
        )
        conn.execute(
            db.answers.update()
            .where(
                db.answers.c.conversation == conversation,
                db.answers.c.outcome == "refused",
                db.answers.c.at >= now - HANDOFF_WINDOW,
            )
            .values(outcome="handed_off")
        )


class VoteRefused(Exception):
    """No such answer for this person (unknown id, or the answer was given to someone else)."""


def record_vote(
    *,
    answer_id: str,
    employee_id: str | None,
    sender_id: str,
    helpful: bool,
    comment: str | None = None,
    settings: InsightsSettings | None = None,
) -> dict[str, Any]:
    """One vote per answer per person: voting again replaces the earlier vote (and its comment).

    Only the person the answer was given to may vote on it.
    """
    settings = settings or get_settings()
    voter = db.pseudonym(db.person_key(employee_id, sender_id), settings)
    now = db.utcnow()
    text = mask(comment.strip())[:MAX_COMMENT] if comment and comment.strip() else None
    with db.engine(settings).begin() as conn:
        owner = conn.execute(sa.select(db.answers.c.person).where(db.answers.c.id == answer_id)).scalar()
        if owner is None or owner != voter:
            raise VoteRefused(answer_id)
        existing = conn.execute(
            sa.select(db.votes.c.comment).where(db.votes.c.answer_id == answer_id, db.votes.c.voter == voter)
        ).first()
        values = {"at": now, "day": local_day(now, settings), "helpful": helpful}
        if existing is None:
            conn.execute(
                db.votes.insert(), {"answer_id": answer_id, "voter": voter, **values, "comment": text}
            )
        else:
            # a vote without a comment keeps the earlier comment; a new comment replaces it
            conn.execute(
                db.votes.update()
                .where(db.votes.c.answer_id == answer_id, db.votes.c.voter == voter)
                .values(**values, comment=text if text is not None else existing.comment)
            )
    return {"answer_id": answer_id, "helpful": helpful, "comment": text is not None}
