"""Request dependencies: database session, service-token auth and the acting employee.

The caller (the action server, the gateway) authenticates with the service token; the acting
employee named in ``X-Acting-Employee`` is trusted only because of that. ``X-Channel`` records
where the request came from (web, telegram, ...) in the audit log.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from personnel.app.core.config import Settings
from personnel.app.models import Employee
from personnel.app.services.access import Actor
from personnel.app.services.errors import AppError

bearer = HTTPBearer(auto_error=False, description="PERSONNEL_SERVICE_TOKEN")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: read-only for GETs, a serialized writer otherwise (see db.py)."""
    state = request.app.state
    if request.method in READ_METHODS:
        session: Session = state.read_sessionmaker()
        lock = None
    else:
        session = state.sessionmaker()
        lock = state.write_lock
    if lock is not None:
        lock.acquire()
    try:
        yield session
    finally:
        try:
            session.rollback()
            session.close()
        finally:
            if lock is not None:
                lock.release()


def get_today(settings: Annotated[Settings, Depends(get_settings)]) -> date:
    return settings.today()


def require_service(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    token = credentials.credentials if credentials else ""
    if not token or not hmac.compare_digest(token.encode(), settings.service_token.encode()):
        raise AppError("unauthorized", "a valid service token (Authorization: Bearer ...) is required", 401)


def get_actor(
    _: Annotated[None, Depends(require_service)],
    session: Annotated[Session, Depends(get_session)],
    x_acting_employee: Annotated[
        str | None, Header(max_length=20, description="employee id, e.g. E1001")
    ] = None,
    x_channel: Annotated[str, Header(max_length=30, description="web, telegram, api, ...")] = "api",
) -> Actor:
    if not x_acting_employee:
        return Actor(None, x_channel)
    emp = session.get(Employee, x_acting_employee)
    if emp is None or emp.status == "left":
        raise AppError(
            "unknown_employee", f"acting employee {x_acting_employee} is not an active employee", 403
        )
    return Actor(emp, x_channel)


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
TodayDep = Annotated[date, Depends(get_today)]
IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="a retry with the same key returns the first result",
    ),
]
