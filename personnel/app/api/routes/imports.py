"""Organisation import over HTTP (HR admins): upload files, follow the job's progress, read its report.

``POST /imports`` starts a job in a background thread and answers 202 with its id (or, with
``wait=true``, runs it and answers with the report); ``GET /imports/{id}`` tells the phase, rows
done and, once finished, the report. Jobs live in this process's memory: the report is also in the
audit log (action ``import.run``) for anything older than a restart.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from personnel.app.api.deps import require_service
from personnel.app.models import Employee
from personnel.app.services import access
from personnel.app.services.access import Actor
from personnel.app.services.errors import AppError
from personnel.app.services.importer import Source, run_import

log = logging.getLogger(__name__)
router = APIRouter(prefix="/imports", tags=["import"])
MAX_BYTES = 200 * 1024 * 1024
MAX_JOBS = 50


@dataclass
class Job:
    id: str
    by: str | None
    status: str = "queued"  # queued | running | done | failed
    phase: str = "queued"
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "report": self.report,
            "error": self.error,
        }


def _jobs(request: Request) -> dict[str, Job]:
    if not hasattr(request.app.state, "import_jobs"):
        request.app.state.import_jobs = {}
    return request.app.state.import_jobs


def _run(
    app_state: Any,
    job: Job,
    sources: list[Source],
    actor_id: str | None,
    channel: str,
    dry_run: bool,
    partial: bool,
    lang: str,
    allocate_from_policy: bool = False,
) -> None:
    from personnel.app.models import Employee

    def progress(phase: str, done: int, total: int) -> None:
        job.phase, job.done, job.total = phase, done, total

    lock = app_state.write_lock
    job.status = "running"
    try:
        if lock is not None:
            lock.acquire()
        try:
            with app_state.sessionmaker() as session:
                actor = Actor(session.get(Employee, actor_id) if actor_id else None, channel)
                report = run_import(
                    session,
                    sources,
                    actor,
                    today=app_state.settings.today(),
                    dry_run=dry_run,
                    partial=partial,
                    lang=lang,
                    progress=progress,
                    allocate_from_policy=allocate_from_policy,
                )
                if report.written:
                    session.commit()
                else:
                    session.rollback()
        finally:
            if lock is not None:
                lock.release()
        job.report = report.as_dict()
        job.status, job.phase = "done", "done"
    except Exception as exc:  # reported on the job; the transaction rolled back
        log.exception("import job %s failed", job.id)
        job.status, job.phase, job.error = "failed", "failed", type(exc).__name__


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
    job = Job(uuid.uuid4().hex[:12], me.id)
    if len(jobs) >= MAX_JOBS:  # forget the oldest finished jobs
        for old in [j for j in jobs.values() if j.status in ("done", "failed")][: len(jobs) - MAX_JOBS + 1]:
            jobs.pop(old.id, None)
    jobs[job.id] = job
    args = (request.app.state, job, sources, me.id, me.channel, dry_run, partial, lang, allocate_from_policy)
    if wait:
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(_run, *args)
        return JSONResponse(job.as_dict(), status_code=200 if job.status == "done" else 500)
    threading.Thread(target=_run, args=args, name=f"import-{job.id}", daemon=True).start()
    return JSONResponse(job.as_dict(), status_code=202)


@router.get("/{job_id}")
def import_status(request: Request, me: HrDep, job_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    """Progress of an import job and, when done, its report."""
    job = _jobs(request).get(job_id)
    if job is None:
        raise AppError("not_found", f"import {job_id} not found", 404, entity="import", id=job_id)
    return job.as_dict()
