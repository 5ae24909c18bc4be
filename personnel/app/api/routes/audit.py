"""Audit log, readable by HR admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from personnel.app import schemas as s
from personnel.app.api.deps import ActorDep, SessionDep
from personnel.app.models import AuditLog
from personnel.app.services import access

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[s.AuditOut])
def read_audit(
    actor: ActorDep,
    session: SessionDep,
    entity: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=60)] = None,
    actor_id: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Any]:
    """Newest first."""
    access.require_hr(actor)
    q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if entity:
        q = q.where(AuditLog.entity == entity)
    if entity_id:
        q = q.where(AuditLog.entity_id == entity_id)
    if actor_id:
        q = q.where(AuditLog.actor_id == actor_id)
    return list(session.scalars(q))
