"""Organisation import over HTTP (HR admins): upload files, follow the job's progress, read its report.

``POST /imports`` starts a job in a background thread and answers 202 with its id (or, with
``wait=true``, runs it and answers with the report); ``GET /imports/{id}`` tells the phase, rows
done and, once finished, the report. A job is stored (table ``import_jobs``) when it starts and when
it ends, so its report outlives a restart; live progress comes from the running process's memory
(and, on PostgreSQL, a heartbeat lets another API process follow it and tell a job whose process
died). An import is one transaction: a job that failed or was interrupted wrote nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import update
from sqlalchemy.orm import Session

from personnel.app.api.deps import require_service
from personnel.app.models import Employee, ImportJob, utcnow
from personnel.app.services import access
from personnel.app.services.access import Actor
from personnel.app.services.errors import AppError
from personnel.app.services.importer import Source, import_and_commit, job_error

log = logging.getLogger(__name__)
router = APIRouter(prefix="/imports", tags=["import"])
MAX_BYTES = 200 * 1024 * 1024
MAX_JOBS = 50
#: silent for this many heartbeats (PERSONNEL_IMPORT_HEARTBEAT_SECONDS), an unfinished job is dead
STALE_BEATS = 6
_UNFINISHED = ("queued", "running")


@dataclass
class Job:
    id: str
    by: str | None
    lang: str = "en"
    status: str = "queued"  # queued | running | done | failed
    phase: str = "queued"
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    error_code: str | None = None  # failed | interrupted

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "report": self.report,
            "error_code": self.error_code,
            "error": job_error(self.error_code, self.lang, self.id) if self.error_code else None,
        }

    @classmethod
    def from_row(cls, row: ImportJob) -> Job:
        return cls(
            id=row.id,
            by=row.requested_by,
            lang=row.lang,
            status=row.status,
            phase=row.phase,
            done=row.done,
            total=row.total,
            report=row.report,
            error_code=row.error_code,
        )


def _jobs(request: Request) -> dict[str, Job]:
    if not hasattr(request.app.state, "import_jobs"):
        request.app.state.import_jobs = {}
    return request.app.state.import_jobs


def _save(app_state: Any, job: Job) -> None:
    """Write the job's state in a short transaction of its own (never the import's)."""
    with app_state.write_lock or nullcontext(), app_state.sessionmaker() as session:
        row = session.get(ImportJob, job.id) or ImportJob(id=job.id, requested_by=job.by, lang=job.lang)
        row.status, row.phase, row.done, row.total = job.status, job.phase, job.done, job.total
        row.report, row.error_code, row.updated_at = job.report, job.error_code, utcnow()
        session.add(row)
        session.commit()


def mark_interrupted(session: Session) -> int:
    """At startup of a SQLite deployment (one process runs its imports): jobs left unfinished died
    with the previous process; their transaction rolled back."""
    result = session.execute(
        update(ImportJob)
        .where(ImportJob.status.in_(_UNFINISHED))
        .values(status="failed", phase="failed", error_code="interrupted", updated_at=utcnow())
    )
    return result.rowcount or 0


def _stored(app_state: Any, job_id: str) -> Job | None:
    """A job this process does not run: as stored; unfinished and silent for STALE_BEATS = dead."""
    with app_state.read_sessionmaker() as session:
        row = session.get(ImportJob, job_id)
        if row is None:
            return None
        job = Job.from_row(row)
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=utcnow().tzinfo)
    stale_after = timedelta(seconds=STALE_BEATS * app_state.settings.import_heartbeat_seconds)
    if job.status in _UNFINISHED and utcnow() - updated > stale_after:
        job.status, job.phase, job.error_code = "failed", "failed", "interrupted"
    return job


def _heartbeat(app_state: Any, job: Job, stop: threading.Event) -> None:
    """PostgreSQL only: SQLite's single writer is the import itself until it ends."""
    while not stop.wait(app_state.settings.import_heartbeat_seconds):
        try:
            _save(app_state, job)
        except Exception:  # a missed beat only delays what another process sees
            log.warning("import_heartbeat_failed", extra={"job": job.id}, exc_info=True)


def _run(
    app_state: Any,
    job: Job,
    sources: list[Source],
    actor_id: str | None,
    channel: str,
    dry_run: bool,
    partial: bool,
    allocate_from_policy: bool = False,
) -> None:
    from personnel.app.models import Employee

    def progress(phase: str, done: int, total: int) -> None:
        job.phase, job.done, job.total = phase, done, total

    lock = app_state.write_lock
    job.status = "running"
    stop = threading.Event()
    beat = None
    if lock is None:
        beat = threading.Thread(target=_heartbeat, args=(app_state, job, stop), daemon=True)
        beat.start()
    try:
        with lock or nullcontext(), app_state.sessionmaker() as session:
            actor = Actor(session.get(Employee, actor_id) if actor_id else None, channel)
            report = import_and_commit(
                session,
                sources,
                actor,
                today=app_state.settings.today(),
                dry_run=dry_run,
                partial=partial,
                lang=job.lang,
                progress=progress,
                allocate_from_policy=allocate_from_policy,
            )
        job.report = report.as_dict()
        job.status, job.phase = "done", "done"
    except Exception:  # reported on the job; the transaction rolled back
        log.exception("import job %s failed", job.id)
        job.status, job.phase, job.error_code = "failed", "failed", "failed"
    finally:
        stop.set()
        if beat is not None:  # a beat in flight would write "running" over the outcome
            beat.join()
        try:
            _save(app_state, job)
        except Exception:  # the job's outcome stays in memory for this process
            log.exception("import job %s: outcome not stored", job.id)


@dataclass
class HrCaller:
    id: str
    channel: str


def hr_caller(
    request: Request,
    _: Annotated[None, Depends(require_service)],
    x_acting_employee: Annotated[str | None, Header(max_length=20)] = None,
    x_channel: Annotated[str, Header(max_length=30)] = "api",
) -> HrCaller:
    """The acting HR admin, checked on a read session: an import job takes the write lock itself, so
    the request must not hold it (or a transaction) while the job runs."""
    with request.app.state.read_sessionmaker() as session:
        emp = session.get(Employee, x_acting_employee) if x_acting_employee else None
        if x_acting_employee and (emp is None or emp.status == "left"):
            raise AppError("unknown_employee", f"acting employee {x_acting_employee} is not active", 403)
        access.require_hr(Actor(emp, x_channel))
        return HrCaller(emp.id, x_channel)  # type: ignore[union-attr]


HrDep = Annotated[HrCaller, Depends(hr_caller)]


@router.post("", status_code=202)
async def start_import(
    request: Request,
    me: HrDep,
    files: Annotated[list[UploadFile], File(description="CSV or XLSX files")],
    dry_run: Annotated[bool, Query()] = False,
    partial: Annotated[bool, Query()] = False,
    lang: Annotated[str, Query(pattern="^(en|zh)$")] = "en",
    allocate_from_policy: Annotated[
        bool, Query(description="new employees without an allocation this year get their policy's")
    ] = False,
    wait: Annotated[bool, Query(description="answer with the report instead of a job id")] = False,
) -> JSONResponse:
    """Check (``dry_run``) or import organisation files; nothing is written if any row is invalid
    unless ``partial``."""
    sources = []
    size = 0
    for f in files:
        data = await f.read()
        size += len(data)
        if size > MAX_BYTES:
            raise AppError("validation_error", f"uploads are limited to {MAX_BYTES // 2**20} MB", 413)
        sources.append(Source(f.filename or "upload.csv", data))
    jobs = _jobs(request)
    job = Job(uuid.uuid4().hex[:12], me.id, lang)
    if len(jobs) >= MAX_JOBS:  # forget the oldest finished jobs (they stay in the database)
        for old in [j for j in jobs.values() if j.status in ("done", "failed")][: len(jobs) - MAX_JOBS + 1]:
            jobs.pop(old.id, None)
    jobs[job.id] = job
    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(_save, request.app.state, job)  # SQLite: waits for a running import to end
    args = (request.app.state, job, sources, me.id, me.channel, dry_run, partial, allocate_from_policy)
    if wait:
        await run_in_threadpool(_run, *args)
        return JSONResponse(job.as_dict(), status_code=200 if job.status == "done" else 500)
    threading.Thread(target=_run, args=args, name=f"import-{job.id}", daemon=True).start()
    return JSONResponse(job.as_dict(), status_code=202)


@router.get("/{job_id}")
def import_status(request: Request, me: HrDep, job_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    """Progress of an import job and, when done, its report."""
    job = _jobs(request).get(job_id) or _stored(request.app.state, job_id)
    if job is None:
        raise AppError("not_found", f"import {job_id} not found", 404, entity="import", id=job_id)
    return job.as_dict()
