"""Retention: transcripts of HR cases are kept while the case is worked, then purged.

A resolved case keeps its subject, status, people and dates (what HR reports on) but loses its
conversation transcript once it has been resolved for PERSONNEL_CASE_TRANSCRIPT_RETENTION_DAYS; the
copies of the transcript in the case's audit rows go with it. The purge itself is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.models import AuditLog, HRCase
from personnel.app.services import audit
from personnel.app.services.access import Actor

PURGED = "[transcript purged after the retention period]"


def _without_transcript(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snapshot or "transcript" not in snapshot:
        return snapshot
    return {**snapshot, "transcript": PURGED}


def purge_case_transcripts(session: Session, resolved_before: datetime) -> int:
    """Blank the transcripts of cases resolved before ``resolved_before``; returns how many."""
    cases = session.scalars(
        select(HRCase).where(
            HRCase.status == "resolved", HRCase.updated_at < resolved_before, HRCase.transcript != PURGED
        )
    ).all()
    system = Actor(employee=None, channel="retention")
    for case in cases:
        case.transcript = PURGED
        rows = session.scalars(
            select(AuditLog).where(AuditLog.entity == "hr_case", AuditLog.entity_id == str(case.id))
        ).all()
        for row in rows:
            row.before, row.after = _without_transcript(row.before), _without_transcript(row.after)
        audit.record(session, system, "case.transcript_purged", "hr_case", case.id, None, None)
    session.commit()
    return len(cases)
