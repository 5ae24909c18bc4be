"""Curator insights API and page (``/admin/insights``, ``/api/admin/insights/...``) and the
employees' feedback endpoint (``POST /api/feedback``).

HR admins only (the same check as the knowledge admin). Figures come from ``insights.report`` and
``insights.gaps`` after importing pending conversation events; nothing here says who asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import statistics
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from connectors.web.admin import _call, knowledge_base, require_hr_admin
from connectors.web.auth import ApiError, optional_user
from connectors.web.models import ErrorResponse

log = structlog.get_logger(__name__)

IMPORT_EVERY_S = 60.0
MAX_RANGE_DAYS = 366
AnswerId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]

router = APIRouter(
    prefix="/api/admin/insights",
    tags=["insights"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
feedback_router = APIRouter(tags=["chat"])


class FeedbackIn(BaseModel):
    answer_id: AnswerId
    helpful: bool
    comment: str | None = Field(default=None, max_length=500)
    session_id: uuid.UUID | None = Field(
        default=None, description="the anonymous conversation id, when not signed in"
    )


class FeedbackOut(BaseModel):
    answer_id: str
    helpful: bool
    comment: bool


class GapQuestionsIn(BaseModel):
    answer_ids: list[AnswerId] = Field(min_length=1, max_length=200)


class ResolveIn(GapQuestionsIn):
    fixed_by: str = Field(min_length=1, max_length=300, description="the document (source) that fixed it")


@feedback_router.post(
    "/api/feedback",
    response_model=FeedbackOut,
    responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def feedback(body: FeedbackIn, employee_id: str | None = Depends(optional_user)) -> FeedbackOut:
    """Helpful / not helpful on a policy answer, with an optional comment. Voting again replaces
    the earlier vote; only the person who got the answer may vote on it."""
    from insights.records import VoteRefused, record_vote

    if employee_id is None and body.session_id is None:
        # nobody to attribute the vote to: sign in, or vote from the anonymous conversation
        raise ApiError(
            401,
            "not_signed_in",
            "sign in, or send the session_id of the conversation that got the answer",
            {"WWW-Authenticate": "Bearer"},
        )
    sender = f"web:{employee_id}" if employee_id else f"web:anon:{body.session_id}"
    try:
        result = await run_in_threadpool(
            lambda: record_vote(
                answer_id=body.answer_id,
                employee_id=employee_id,
                sender_id=sender,
                helpful=body.helpful,
                comment=body.comment,
            )
        )
    except VoteRefused as exc:
        raise ApiError(404, "not_found", "no such answer in your conversation") from exc
    return FeedbackOut(**result)


def _today() -> date:
    from insights.settings import get_settings

    return datetime.now(ZoneInfo(get_settings().hrbot_timezone)).date()


def filters(
    start: Annotated[date | None, Query(alias="from", description="first day (default: 29 days ago)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, inclusive (default: today)")] = None,
    channel: Literal["web", "telegram"] | None = None,
    lang: Literal["en", "zh"] | None = None,
) -> Any:
    from insights.report import Filters

    end = end or _today()
    start = start or end - timedelta(days=29)
    if start > end:
        raise ApiError(422, "validation_error", "'from' must not be after 'to'")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ApiError(422, "validation_error", f"the range may cover at most {MAX_RANGE_DAYS} days")
    return Filters(start=start, end=end, channel=channel, lang=lang)


async def _import() -> None:
    """Bring the figures up to date; when that fails the page still shows the last import's."""
    from insights.importer import import_events

    try:
        await run_in_threadpool(import_events)
    except Exception:
        log.warning("insights_import_failed", exc_info=True)


async def _handoff_times(
    employee_id: str, request: Request, cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Time from each hand-off to HR's first response to the case (the first change HR made to it:
    taken up, replied to, assigned or resolved), read from the backend's audit log as the viewing HR admin."""
    if not cases:
        return []
    from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

    settings = request.app.state.settings
    try:
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token or "",
            acting_employee=employee_id,
            channel="web",
            timeout=5.0,
            retries=1,
        ) as client:
            audit = await client.audit(entity="hr_case", limit=1000)
    except (PersonnelError, PersonnelUnavailable) as exc:
        log.warning("insights_case_audit_unavailable", error=str(exc))
        return [
            {"case_id": c["case_id"], "created": _iso(c["at"]), "first_hr_response": None, "minutes": None}
            for c in cases
        ]
    first: dict[str, datetime] = {}
    for entry in audit:
        if entry.action in HR_RESPONSES:
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=timezone.utc)
            key = str(entry.entity_id)
            if key not in first or at < first[key]:
                first[key] = at
    out = []
    for c in cases:
        created = c["at"].replace(tzinfo=timezone.utc)
        replied = first.get(str(c["case_id"]))
        minutes = round((replied - created).total_seconds() / 60, 1) if replied else None
        out.append(
            {
                "case_id": c["case_id"],
                "created": _iso(c["at"]),
                "first_hr_response": replied.astimezone(timezone.utc).isoformat(timespec="seconds")
                if replied
                else None,
                "minutes": max(minutes, 0.0) if minutes is not None else None,
            }
        )
    return out


#: audit actions on a case that are HR responding to it (a reply or a request for information takes
#: an unassigned case and changes its state, so it shows as case.update too)
HR_RESPONSES = frozenset({"case.take", "case.update", "case.resolve"})


def _iso(at: datetime) -> str:
    return at.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


async def _summary(request: Request, employee_id: str, f: Any) -> dict[str, Any]:
    from insights.report import summary

    await _import()
    data = await run_in_threadpool(summary, f)
    if data.get("suppressed"):
        return data
    times = await _handoff_times(employee_id, request, data.pop("handoff_cases"))
    data["handoff_times"] = times
    waits = [t["minutes"] for t in times if t["minutes"] is not None]
    data["handoff_summary"] = {
        "handoffs": len(times),
        "responded": len(waits),
        "waiting": len(times) - len(waits),
        "median_minutes": round(statistics.median(waits), 1) if waits else None,
    }
    return data


@router.get("")
async def insights_summary(
    request: Request, f: Any = Depends(filters), employee_id: str = Depends(require_hr_admin)
) -> dict[str, Any]:
    """Every figure of the insights page for the range and filters (aggregates only)."""
    return await _summary(request, employee_id, f)


@router.get("/export.csv", response_class=Response)
async def export_csv(
    request: Request,
    section: str = Query(description="a table of the page: daily, channels, policy, intents, ..."),
    f: Any = Depends(filters),
    employee_id: str = Depends(require_hr_admin),
) -> Response:
    """One section of the page as CSV (UTF-8 with a byte order mark, so spreadsheets read Chinese)."""
    from insights.report import CSV_SECTIONS

    if section not in CSV_SECTIONS:
        raise ApiError(422, "validation_error", f"section must be one of: {', '.join(CSV_SECTIONS)}")
    data = await _summary(request, employee_id, f)
    columns = CSV_SECTIONS[section]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in data.get(section) or []:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    name = f"insights-{section}-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/gaps")
async def gap_groups(f: Any = Depends(filters), _: str = Depends(require_hr_admin)) -> dict[str, Any]:
    """Open knowledge-gap groups (refused, low-confidence, not helpful) and the resolved ones."""
    from insights.gaps import open_groups, resolved_groups

    await _import()
    groups = await run_in_threadpool(open_groups, f)
    return {"groups": groups, "resolved": await run_in_threadpool(resolved_groups)}


def _plain(obj: Any) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else obj.model_dump()


@router.post("/gaps/reask")
async def reask(request: Request, body: GapQuestionsIn, _: str = Depends(require_hr_admin)) -> dict[str, Any]:
    """Ask a group's questions again: the new answers beside the ones given at the time."""
    from insights.gaps import questions_of

    rows = await run_in_threadpool(questions_of, body.answer_ids)
    if not rows:
        raise ApiError(404, "not_found", "none of these questions are stored")
    kb = knowledge_base(request)
    out = []
    for row in rows:
        new = _plain(await _call(kb.answer, row["question"], lang=row["lang"]))
        out.append(
            {
                "answer_id": row["id"],
                "question": row["question"],
                "lang": row["lang"],
                "before": {
                    "outcome": row["outcome"],
                    "answer": row["answer"],
                    "sources": row["sources"] or [],
                },
                "now": {
                    "outcome": "answered" if new.get("confident") else "refused",
                    "answer": new.get("answer") or "",
                    "sources": [
                        {"source": s.get("source"), "section": s.get("section"), "title": s.get("title")}
                        for s in (_plain(s) for s in new.get("sources") or [])
                    ],
                },
            }
        )
    return {"results": out, "answered_now": sum(r["now"]["outcome"] == "answered" for r in out)}


@router.post("/gaps/resolve")
async def resolve(
    request: Request, body: ResolveIn, actor: str = Depends(require_hr_admin)
) -> dict[str, Any]:
    """Mark a group resolved with the document that fixed it (it must be in the knowledge base)."""
    from connectors.web.admin import document_out
    from insights.gaps import resolve as resolve_gap

    kb = knowledge_base(request)
    sources = {document_out(d).source for d in await _call(kb.list_documents)}
    if body.fixed_by not in sources:
        raise ApiError(422, "unknown_document", f"no document named '{body.fixed_by}' in the knowledge base")
    result = await run_in_threadpool(resolve_gap, body.answer_ids, body.fixed_by)
    if not result["questions"]:
        raise ApiError(404, "not_found", "none of these questions are stored")
    log.info("insights_gap_resolved", gap=result["id"], questions=result["questions"], actor=actor)
    return result


async def _import_loop() -> None:
    """Import broker events every minute (raw events do not linger) and purge old data daily."""
    from insights.importer import import_events, purge

    last_purge = 0.0
    loop = asyncio.get_running_loop()
    while True:
        try:
            await run_in_threadpool(import_events)
            if loop.time() - last_purge > 24 * 3600:
                await run_in_threadpool(purge)
                last_purge = loop.time()
        except Exception:
            log.warning("insights_import_failed", exc_info=True)
        await asyncio.sleep(IMPORT_EVERY_S)


def start_background(app: FastAPI) -> asyncio.Task[None]:
    task = asyncio.get_running_loop().create_task(_import_loop(), name="insights-import")
    app.state.insights_task = task
    return task


async def stop_background(app: FastAPI) -> None:
    task = getattr(app.state, "insights_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
