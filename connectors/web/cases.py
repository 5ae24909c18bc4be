"""HR cases on the web: the HR desk (``/api/admin/cases``, page ``/admin/cases``) and the employee's
side in the widget (``/api/cases``: their cases, answering HR, read receipts, live updates).

The gateway decides nothing: it checks who is signed in (and, for the desk, that the backend says
they are an HR admin), then calls the personnel backend as that person, which applies the rules.
Live updates are server-sent events: the gateway polls the backend's cheap ``/me/cases/pulse`` for
the signed-in employee and sends an event when HR writes; each stream ends after
``STREAM_LIFETIME_S`` and the widget reconnects, so a stream never outlives a sign-in for long.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

import structlog
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from connectors.settings import ConnectorSettings
from connectors.web.admin import require_hr_admin
from connectors.web.auth import ApiError, required_user
from connectors.web.models import ErrorResponse
from personnel.client import (
    CaseDetailOut,
    CaseMessageOut,
    CaseSummaryOut,
    MyCaseOut,
    MyCasesPulseOut,
    PersonnelClient,
    PersonnelError,
    PersonnelUnavailable,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")
MAX_ID = 2**31 - 1
STREAM_LIFETIME_S = 25.0
KEEPALIVE_S = 10.0
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse} for s in (401, 403, 404, 409, 422, 503)
}

desk_router = APIRouter(prefix="/api/admin/cases", tags=["HR desk"], responses=_ERRORS)
employee_router = APIRouter(prefix="/api/cases", tags=["my HR cases"], responses=_ERRORS)


class HRMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    kind: Literal["reply", "request_info", "note"] = "reply"


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


def _settings(request: Request) -> ConnectorSettings:
    return request.app.state.settings


async def _as(request: Request, employee_id: str, call: Callable[[PersonnelClient], Awaitable[T]]) -> T:
    """Call the backend as ``employee_id``; its refusals keep their status and code."""
    settings = _settings(request)
    if not settings.personnel_service_token:
        raise ApiError(503, "personnel_unavailable", "PERSONNEL_SERVICE_TOKEN is not configured")
    try:
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token,
            acting_employee=employee_id,
            channel="web",
            timeout=10.0,
            retries=2,
        ) as client:
            return await call(client)
    except PersonnelError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    except PersonnelUnavailable as exc:
        log.warning("personnel_unavailable", error=str(exc), path=request.url.path)
        raise ApiError(
            503, "personnel_unavailable", "the HR system cannot be reached right now; try again shortly"
        ) from exc


# --- the HR desk ----------------------------------------------------------------------------------


@desk_router.get("", response_model=list[CaseSummaryOut])
async def desk(
    request: Request,
    view: Literal["open", "mine", "unassigned", "waiting", "resolved", "all"] = "open",
    q: Annotated[str | None, Query(max_length=200)] = None,
    hr: str = Depends(require_hr_admin),
) -> list[CaseSummaryOut]:
    """The inbox: open / mine / unassigned / waiting (on the employee) / resolved / all, searched."""
    return await _as(request, hr, lambda c: c.case_desk(view, q))


@desk_router.get("/{case_id}", response_model=CaseDetailOut)
async def case_detail(
    request: Request, case_id: CaseId, hr: str = Depends(require_hr_admin)
) -> CaseDetailOut:
    """A case with its (masked) transcript and its thread, internal notes included."""
    return await _as(request, hr, lambda c: c.case_detail(case_id))


@desk_router.post("/{case_id}/take", response_model=CaseDetailOut)
async def take(request: Request, case_id: CaseId, hr: str = Depends(require_hr_admin)) -> CaseDetailOut:
    """Assign the case to me."""
    return await _as(request, hr, lambda c: c.take_case(case_id))


@desk_router.post("/{case_id}/resolve", response_model=CaseDetailOut)
async def resolve(request: Request, case_id: CaseId, hr: str = Depends(require_hr_admin)) -> CaseDetailOut:
    return await _as(request, hr, lambda c: c.resolve_case(case_id))


@desk_router.post("/{case_id}/reopen", response_model=CaseDetailOut)
async def reopen(request: Request, case_id: CaseId, hr: str = Depends(require_hr_admin)) -> CaseDetailOut:
    return await _as(request, hr, lambda c: c.reopen_case(case_id))


@desk_router.post("/{case_id}/messages", response_model=CaseMessageOut, status_code=201)
async def hr_message(
    request: Request,
    case_id: CaseId,
    body: HRMessageIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    hr: str = Depends(require_hr_admin),
) -> CaseMessageOut:
    """Reply to the employee, ask them for information, or add an internal note. The employee gets
    replies and questions in the chat they use (widget, Telegram); a retry with the same
    Idempotency-Key sends nothing twice."""
    key = f"desk-{idempotency_key}" if idempotency_key else None
    msg = await _as(request, hr, lambda c: c.add_case_message(case_id, body.text, body.kind, key))
    log.info("case_message", case_id=case_id, kind=body.kind, actor=hr)
    return msg


# --- the employee's side ------------------------------------------------------------------------


@employee_router.get("", response_model=list[MyCaseOut])
async def my_cases(request: Request, employee_id: str = Depends(required_user)) -> list[MyCaseOut]:
    """My cases with HR's replies and questions (unread counts) and my answers."""
    return await _as(request, employee_id, lambda c: c.my_cases())


@employee_router.post("/{case_id}/messages", response_model=CaseMessageOut, status_code=201)
async def answer(
    request: Request,
    case_id: CaseId,
    body: AnswerIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    employee_id: str = Depends(required_user),
) -> CaseMessageOut:
    """Answer HR on one of my cases; the answer joins the case's thread (HR sees it in the inbox)."""
    key = f"answer-{idempotency_key}" if idempotency_key else None
    return await _as(request, employee_id, lambda c: c.add_case_message(case_id, body.text, "answer", key))


@employee_router.post("/{case_id}/read", response_model=MyCasesPulseOut)
async def mark_read(
    request: Request, case_id: CaseId, employee_id: str = Depends(required_user)
) -> MyCasesPulseOut:
    """I have seen HR's messages on this case (clears the widget's unread badge)."""
    return await _as(request, employee_id, lambda c: c.mark_case_read(case_id))


@employee_router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def events(request: Request, employee_id: str = Depends(required_user)) -> StreamingResponse:
    """Server-sent events: ``cases`` with ``{"latest_message_id", "unread"}`` now and whenever HR
    writes to one of my cases. The stream ends after a short while; reconnect to continue."""
    settings = _settings(request)
    first = await _as(request, employee_id, lambda c: c.my_cases_pulse())

    async def stream() -> AsyncIterator[str]:
        last = first
        yield _event("cases", last)
        started = sent = time.monotonic()
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token or "",
            acting_employee=employee_id,
            channel="web",
            timeout=10.0,
            retries=1,
        ) as client:
            while time.monotonic() - started < STREAM_LIFETIME_S:
                await asyncio.sleep(settings.hrbot_case_poll_s)
                if await request.is_disconnected():
                    return
                try:
                    now = await client.my_cases_pulse()
                except (PersonnelError, PersonnelUnavailable):
                    return  # the widget reconnects (and then sees a clear error if it persists)
                if now != last:
                    last, sent = now, time.monotonic()
                    yield _event("cases", now)
                elif time.monotonic() - sent > KEEPALIVE_S:
                    sent = time.monotonic()
                    yield ": keep-alive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _event(name: str, data: BaseModel) -> str:
    return f"event: {name}\ndata: {json.dumps(data.model_dump(mode='json'))}\n\n"
