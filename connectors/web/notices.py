"""The signed-in widget's notices: ``GET /api/notices`` and ``POST /api/notices/read``.

The gateway only translates: it asks the personnel backend (``GET /notifications``) as the verified
employee of the web token and words each notice with the message catalogue in the employee's
preferred language. Anyone can call these with a valid token; no token, no notices (401).
The widget (and the HR-desk replies it shows) call ``GET /api/notices?unread=true`` for the badge.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from connectors.notify.catalogue import render
from connectors.settings import ConnectorSettings
from connectors.web.auth import ApiError, required_user
from connectors.web.models import ErrorResponse

log = structlog.get_logger(__name__)
_ERR: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 422, 503)
}
router = APIRouter(prefix="/api/notices", tags=["notices"], responses=_ERR)


class NoticeView(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    reason: str
    stop_hint: str | None = None
    text: str
    sent_at: datetime | None = None
    read: bool
    #: actions offered with the notice: ``{"title", "payload"}``, payloads as the chat's buttons
    buttons: list[dict[str, str]] = Field(default_factory=list)
    #: the notice's parameters (e.g. ``case_id`` of an HR reply), for the widget to link to them
    params: dict[str, object]


class NoticesView(BaseModel):
    unread: int
    notices: list[NoticeView]


class ReadRequest(BaseModel):
    ids: list[int] | None = Field(None, max_length=500)


def _client(request: Request, employee_id: str):  # type: ignore[no-untyped-def]
    from personnel.client import PersonnelClient

    settings: ConnectorSettings = request.app.state.settings
    if not settings.personnel_service_token:
        raise ApiError(503, "misconfigured", "PERSONNEL_SERVICE_TOKEN is not configured on the gateway")
    return PersonnelClient(
        settings.personnel_url,
        settings.personnel_service_token,
        acting_employee=employee_id,
        channel="web",
        timeout=5.0,
        retries=2,
    )


@router.get("", response_model=NoticesView)
async def notices(
    request: Request,
    employee_id: str = Depends(required_user),
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> NoticesView:
    """The signed-in employee's notices, newest first, worded in their language, and the unread count."""
    from personnel.client import PersonnelError, PersonnelUnavailable

    try:
        async with _client(request, employee_id) as client:
            inbox = await client.notices(unread=unread, limit=limit)
    except PersonnelUnavailable as exc:
        raise ApiError(503, "personnel_unavailable", "notices are unavailable right now; try again") from exc
    except PersonnelError as exc:
        raise ApiError(403 if exc.status == 403 else 400, exc.code, exc.message) from exc
    views = []
    for n in inbox.notices:
        r = render(n.kind, n.params, n.language, optional=n.optional)
        views.append(
            NoticeView(
                id=n.id,
                kind=n.kind,
                title=r.title,
                body=r.body,
                reason=r.reason,
                stop_hint=r.stop_hint,
                text=r.text,
                sent_at=n.sent_at,
                read=n.read_at is not None,
                buttons=[{"title": t, "payload": p} for t, p in r.buttons],
                params=n.params,
            )
        )
    return NoticesView(unread=inbox.unread, notices=views)


@router.post("/read")
async def mark_read(
    body: ReadRequest, request: Request, employee_id: str = Depends(required_user)
) -> dict[str, int]:
    """Mark notices read (all when ``ids`` is omitted): the widget's badge goes down."""
    from personnel.client import PersonnelError, PersonnelUnavailable

    try:
        async with _client(request, employee_id) as client:
            return await client.mark_notices_read(body.ids)
    except PersonnelUnavailable as exc:
        raise ApiError(503, "personnel_unavailable", "notices are unavailable right now; try again") from exc
    except PersonnelError as exc:
        raise ApiError(403 if exc.status == 403 else 400, exc.code, exc.message) from exc
