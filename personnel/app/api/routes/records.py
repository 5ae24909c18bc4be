"""Records: profile, job history, contract, training history (own, reports', or all for HR)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from personnel.app import schemas as s
from personnel.app.api import views
from personnel.app.api.deps import ActorDep, SessionDep
from personnel.app.models import Contract, JobHistory
from personnel.app.services import access, training
from personnel.app.services.errors import not_found

router = APIRouter(prefix="/records", tags=["records"])
EmpQ = Annotated[str | None, Query(max_length=20, description="default: the acting employee")]


@router.get("/profile", response_model=s.EmployeeOut)
def profile(actor: ActorDep, session: SessionDep, employee_id: EmpQ = None) -> s.EmployeeOut:
    target, level = access.resolve_target(session, actor, employee_id)
    return views.employee(session, access.get_employee(session, target), level)


@router.get("/job-history", response_model=list[s.JobHistoryOut])
def job_history(actor: ActorDep, session: SessionDep, employee_id: EmpQ = None) -> list[Any]:
    target, _ = access.resolve_target(session, actor, employee_id)
    return list(
        session.scalars(
            select(JobHistory)
            .where(JobHistory.employee_id == target)
            .order_by(JobHistory.from_date, JobHistory.id)
        )
    )


@router.get("/contract", response_model=s.ContractOut)
def contract(actor: ActorDep, session: SessionDep, employee_id: EmpQ = None) -> Any:
    target, _ = access.resolve_target(session, actor, employee_id)
    c = session.scalar(
        select(Contract)
        .where(Contract.employee_id == target)
        .order_by(Contract.start_date.desc(), Contract.id.desc())
        .limit(1)
    )
    if c is None:
        raise not_found("contract", target)
    return c


@router.get("/training", response_model=list[s.TrainingRecordOut])
def training_history(
    actor: ActorDep, session: SessionDep, employee_id: EmpQ = None
) -> list[s.TrainingRecordOut]:
    target, _ = access.resolve_target(session, actor, employee_id)
    out = []
    for e in training.enrolments_of(session, target, ("enrolled", "completed", "waitlisted")):
        ts = e.session
        out.append(
            s.TrainingRecordOut(
                enrolment_id=e.id,
                course_id=ts.course_id,
                course_code=ts.course.code,
                title_en=ts.course.title_en,
                title_zh=ts.course.title_zh,
                session_id=ts.id,
                start_date=ts.start_date,
                end_date=ts.end_date,
                hours=ts.course.hours,
                status=e.status,
            )
        )  # type: ignore[arg-type]
    return out
