"""Audit trail: one row per change, written in the same transaction as the change itself."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from personnel.app.models import AuditLog
from personnel.app.services.access import Actor
from personnel.sensitive import SENSITIVE_FIELDS, mask


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of an ORM object, JSON-safe (the before/after of an audit row); sensitive
    personal fields are masked (the audit log says that they changed, the record holds the value)."""
    mapper = inspect(obj).mapper
    return {
        c.key: mask(c.key, getattr(obj, c.key))
        if c.key in SENSITIVE_FIELDS
        else _jsonable(getattr(obj, c.key))
        for c in mapper.column_attrs
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        AuditLog(
            actor_id=actor.id,
            channel=actor.channel,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )
