"""Notices to employees, queued in the transactional outbox.

Callers pass the session of the change that causes the notice, so the notice commits or rolls back
with it. Wording lives with the channels (a message catalogue keyed by ``kind``); here only the kind,
its parameters and a dedupe key that makes "never the same notice twice" a database constraint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.models import Notification, utcnow


def notify(
    session: Session,
    *,
    employee_id: str,
    kind: str,
    params: dict[str, Any],
    dedupe_key: str,
    not_before: datetime | None = None,
) -> Notification | None:
    """Queue one notice; returns None when a notice with this dedupe key was already queued."""
    exists = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists is not None:
        return None
    notice = Notification(
        employee_id=employee_id,
        kind=kind,
        params=params,
        dedupe_key=dedupe_key,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(notice)
    session.flush()
    return notice
