"""Leave: types, balances, preview (quote), applications and decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app import schemas as s
from personnel.app.api import views
from personnel.app.api.deps import ActorDep, IdempotencyKeyDep, SessionDep, TodayDep
from personnel.app.models import Employee, LeaveApplication, LeavePolicy, LeaveType
from personnel.app.services import access, idempotency, training
from personnel.app.services import leave as svc

router = APIRouter(prefix="/leave", tags=["leave"])
LeaveId = Annotated[int, Path(ge=1, le=s.MAX_ID)]
Year = Annotated[int | None, Query(ge=1950, le=2200)]


@router.get("/types", response_model=list[s.LeaveTypeOut])
def leave_types(actor: ActorDep, session: SessionDep) -> list[Any]:
    return list(session.scalars(select(LeaveType).order_by(LeaveType.id)))


@router.get("/policies", response_model=list[s.LeavePolicyOut])
def leave_policies(actor: ActorDep, session: SessionDep) -> list[Any]:
    return list(session.scalars(select(LeavePolicy).order_by(LeavePolicy.code)))


@router.get("/balances", response_model=list[s.LeaveBalanceOut])
def balances(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    employee_id: Annotated[str | None, Query(max_length=20)] = None,
    year: Year = None,
) -> list[s.LeaveBalanceOut]:
    target, _ = access.resolve_target(session, actor, employee_id)
    y = year or today.year
    return [
        s.LeaveBalanceOut(
            employee_id=target,
            year=y,
            leave_type=lt.code,
            name_en=lt.name_en,
            name_zh=lt.name_zh,
            allocated=b.allocated,
            taken=b.taken,
            pending=b.pending,
            balance=b.balance,
        )
        for lt, b in svc.balances(session, target, y)
    ]


@router.post(
    "/preview",
    response_model=s.LeavePreviewOut,
    responses={400: {"model": s.ErrorResponse}, 409: {"model": s.ErrorResponse}},
)
def preview(
    body: s.LeaveRequestIn, actor: ActorDep, session: SessionDep, today: TodayDep
) -> s.LeavePreviewOut:
    """What an application would count, exclude and leave as balance; creates nothing."""
    q = svc.quote(session, actor, body, today)
    days = [
        s.DayOut(date=d.date, kind=d.kind, counted=v, holiday_en=d.name_en, holiday_zh=d.name_zh)  # type: ignore[arg-type]
        for d, v in q.count.days
    ]
    return s.LeavePreviewOut(
        employee_id=q.employee.id,
        leave_type=q.leave_type.code,
        from_date=body.from_date,
        to_date=body.to_date,
        half_day=body.half_day,
        calendar=q.calendar.code,
        working_days=q.count.total,
        days=days,
        excluded=[d for d in days if d.kind in ("weekend", "holiday")],
        makeup_workdays=[d for d in days if d.kind == "makeup_workday"],
        needs_balance=q.leave_type.needs_balance,
        balance_before=q.balance_before,
        balance_after=q.balance_after,
        calendar_complete=q.count.complete,
        training_clashes=[
            s.TrainingClashOut(
                enrolment_id=e.id,
                course_code=e.session.course.code,
                title_en=e.session.course.title_en,
                title_zh=e.session.course.title_zh,
                start_date=e.session.start_date,
                end_date=e.session.end_date,
            )
            for e in training.clashing_enrolments(session, q.employee.id, body.from_date, body.to_date)
        ],
    )


@router.post(
    "/applications",
    status_code=201,
    response_model=s.LeaveApplicationOut,
    responses={400: {"model": s.ErrorResponse}, 409: {"model": s.ErrorResponse}},
)
def apply(
    body: s.LeaveRequestIn,
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    def create() -> Any:
        return views.leave_application(svc.apply(session, actor, body, today)).model_dump(mode="json")

    code, result = idempotency.run(
        session, actor, idempotency_key, "POST /leave/applications", body.model_dump(mode="json"), create
    )
    return JSONResponse(result, status_code=code)


@router.get("/applications", response_model=list[s.LeaveApplicationOut])
def list_applications(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    employee_id: Annotated[str | None, Query(max_length=20)] = None,
    status: s.LeaveStatus | None = None,
    year: Year = None,
) -> list[s.LeaveApplicationOut]:
    target, _ = access.resolve_target(session, actor, employee_id)
    q = (
        select(LeaveApplication)
        .where(LeaveApplication.employee_id == target)
        .order_by(LeaveApplication.from_date.desc(), LeaveApplication.id.desc())
    )
    if status:
        q = q.where(LeaveApplication.status == status)
    if year:
        q = q.where(
            LeaveApplication.from_date >= date(year, 1, 1), LeaveApplication.from_date <= date(year, 12, 31)
        )
    return [_with_cancellable(session, actor, a, today) for a in session.scalars(q)]


def _with_cancellable(
    session: Session, actor: access.Actor, app: LeaveApplication, today: date
) -> s.LeaveApplicationOut:
    return views.leave_application(app, svc.cancel_refusal(session, actor, app, today))


@router.get("/applications/{leave_id}", response_model=s.LeaveApplicationOut)
def get_application(
    leave_id: LeaveId, actor: ActorDep, session: SessionDep, today: TodayDep
) -> s.LeaveApplicationOut:
    app = svc.get_application(session, leave_id)
    svc.can_read_application(session, actor, app)
    return _with_cancellable(session, actor, app, today)


@router.post("/applications/{leave_id}/cancel", response_model=s.LeaveApplicationOut)
def cancel(leave_id: LeaveId, actor: ActorDep, session: SessionDep, today: TodayDep) -> s.LeaveApplicationOut:
    out = views.leave_application(svc.cancel(session, actor, leave_id, today))
    session.commit()
    return out


@router.post("/applications/{leave_id}/decision", response_model=s.LeaveApplicationOut)
def decide(
    leave_id: LeaveId, body: s.LeaveDecisionIn, actor: ActorDep, session: SessionDep
) -> s.LeaveApplicationOut:
    out = views.leave_application(svc.decide(session, actor, leave_id, body.approve, body.reason))
    session.commit()
    return out


@router.get("/approvals", response_model=list[s.LeaveApplicationOut])
def approvals(actor: ActorDep, session: SessionDep) -> list[s.LeaveApplicationOut]:
    """Open applications the actor may decide: direct reports' (everyone else's for HR admins)."""
    me = access.require_employee(actor)
    q = (
        select(LeaveApplication)
        .join(Employee, Employee.id == LeaveApplication.employee_id)
        .where(LeaveApplication.status == "open", LeaveApplication.employee_id != me.id)
        .order_by(LeaveApplication.from_date, LeaveApplication.id)
    )
    if not me.is_hr_admin:
        q = q.where(Employee.manager_id == me.id)
    return [views.leave_application(a) for a in session.scalars(q)]


@router.post("/allocations/generate")
def generate_allocations(
    actor: ActorDep, session: SessionDep, year: Annotated[int, Query(ge=1950, le=2200)]
) -> dict[str, int]:
    """HR admins: create the year's missing allocations from each employee's leave policy."""
    access.require_hr(actor)
    n = svc.generate_allocations(session, actor, year)
    session.commit()
    return {"created": n}
