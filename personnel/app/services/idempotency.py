"""Idempotent creates: the first result for an ``Idempotency-Key`` is stored with the change in the
same transaction; a retry with the same key gets that result back and creates nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from personnel.app.models import IdempotencyKey
from personnel.app.services.access import Actor
from personnel.app.services.errors import AppError


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _stored(session: Session, actor_key: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.actor == actor_key, IdempotencyKey.key == key)
    )


def _replay(row: IdempotencyKey, scope: str, digest: str) -> tuple[int, Any]:
    if row.scope != scope or row.request_hash != digest:
        raise AppError(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
            422,
            scope=row.scope,
        )
    return row.status_code, row.response


def run(
    session: Session,
    actor: Actor,
    key: str | None,
    scope: str,
    payload: Any,
    create: Callable[[], Any],
    status_code: int = 201,
) -> tuple[int, Any]:
    """Run ``create`` (which returns the JSON-able response) once per (actor, key); commit."""
    if not key:
        result = create()
        session.commit()
        return status_code, result
    actor_key = actor.id or "anonymous"
    digest = request_hash(payload)
    row = _stored(session, actor_key, key)
    if row is not None:
        out = _replay(row, scope, digest)
        session.rollback()
        return out
    try:
        result = create()
        session.add(
            IdempotencyKey(
                actor=actor_key,
                key=key,
                scope=scope,
                request_hash=digest,
                status_code=status_code,
                response=result,
            )
        )
        session.commit()
        return status_code, result
    except (IntegrityError, AppError):
        # a concurrent request with the same key may have won: answer with its result
        session.rollback()
        row = _stored(session, actor_key, key)
        if row is None:
            raise
        out = _replay(row, scope, digest)
        session.rollback()
        return out
