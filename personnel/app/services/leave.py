"""Leave rules: quote (preview), apply, decide, cancel, balances and allocations.

Balance = allocated - taken (approved) - pending (open), per employee, leave type and year.
Concurrency: applying locks the employee row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
transaction already holds the write lock from BEGIN IMMEDIATE), so two simultaneous requests
cannot both pass the balance or overlap check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from personnel.app.models import Employee, LeaveAllocation, LeaveApplication, LeaveType
from personnel.app.schemas import LeaveRequestIn
from personnel.app.services import audit, notifications
from personnel.app.services.access import (
    Actor,
    all_reports,
    can_decide_leave,
    get_employee,
    require_employee,
    require_self_or_hr,
)
from personnel.app.services.calendar import Calendar, DayCount, count_leave_days, get_calendar
from personnel.app.services.errors import AppError, not_found
from personnel.app.services.policy import allocations_for, effective_policy

ACTIVE = ("open", "approved")
MAX_SPAN_DAYS = 366


def calendar_code(emp: Employee) -> str:
    return emp.calendar or (emp.department.calendar if emp.department else None) or "PRC"


def employee_calendar(emp: Employee) -> Calendar:
    return get_calendar(calendar_code(emp), object_session(emp))


def get_leave_type(session: Session, code: str) -> LeaveType:
    lt = session.scalar(select(LeaveType).where(LeaveType.code == code))
    if lt is None:
        raise not_found("leave_type", code)
    return lt


def lock_employee(session: Session, employee_id: str) -> Employee:
    """Serialize leave changes of one employee (row lock on PostgreSQL, no-op on SQLite)."""
    emp = session.scalar(
        select(Employee)
        .where(Employee.id == employee_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if emp is None:
        raise not_found("employee", employee_id)
    return emp


@dataclass
class Balance:
    allocated: float
    taken: float
    pending: float

    @property
    def balance(self) -> float:
        return self.allocated - self.taken - self.pending


def balance_of(
    session: Session, employee_id: str, lt: LeaveType, year: int, *, lock: bool = False
) -> Balance:
    q = select(LeaveAllocation).where(
        LeaveAllocation.employee_id == employee_id,
        LeaveAllocation.leave_type_id == lt.id,
        LeaveAllocation.year == year,
    )
    if lock:
        q = q.with_for_update()
    alloc = session.scalar(q)
    sums = dict(
        session.execute(
            select(LeaveApplication.status, func.coalesce(func.sum(LeaveApplication.working_days), 0.0))
            .where(
                LeaveApplication.employee_id == employee_id,
                LeaveApplication.leave_type_id == lt.id,
                LeaveApplication.status.in_(ACTIVE),
                LeaveApplication.from_date >= date(year, 1, 1),
                LeaveApplication.from_date <= date(year, 12, 31),
            )
            .group_by(LeaveApplication.status)
        ).all()
    )
    return Balance(
        float(alloc.days) if alloc else 0.0, float(sums.get("approved", 0.0)), float(sums.get("open", 0.0))
    )


@dataclass
class Quote:
    employee: Employee
    leave_type: LeaveType
    request: LeaveRequestIn
    calendar: Calendar
    count: DayCount
    balance_before: float | None
    balance_after: float | None


def quote(session: Session, actor: Actor, req: LeaveRequestIn, today: date, *, lock: bool = False) -> Quote:
    """Check every rule of an application and compute what it would count; creates nothing."""
    me = require_employee(actor)
    target_id = req.employee_id or me.id
    require_self_or_hr(session, actor, target_id)
    lt = get_leave_type(session, req.leave_type)
    if req.to_date < req.from_date:
        raise AppError(
            "invalid_date_range",
            "the end date is before the start date",
            400,
            from_date=req.from_date.isoformat(),
            to_date=req.to_date.isoformat(),
        )
    if (req.to_date - req.from_date).days >= MAX_SPAN_DAYS or req.from_date.year != req.to_date.year:
        # balances are per year: a range over the year end is two applications, one per year
        raise AppError(
            "crosses_year_end",
            "a leave application must stay within one calendar year; split it at the year end",
            400,
            from_date=req.from_date.isoformat(),
            to_date=req.to_date.isoformat(),
            year_end=date(req.from_date.year, 12, 31).isoformat(),
            next_year_start=date(req.from_date.year + 1, 1, 1).isoformat(),
        )
    if req.half_day == "am" and req.from_date != req.to_date:
        # half_day counts the start date as half: over several days that is an afternoon start
        raise AppError(
            "half_day_not_allowed",
            "a request over several days can only start with a half day in the afternoon",
            400,
            from_date=req.from_date.isoformat(),
        )
    emp = lock_employee(session, target_id) if lock else get_employee(session, target_id)
    if emp.status == "left":
        raise AppError("invalid_state", f"{emp.id} has left the company", 409)
    policy = effective_policy(session, emp)
    earliest = today - timedelta(days=policy.backdate_limit_days)
    if req.from_date < earliest:
        raise AppError(
            "backdated_too_far",
            f"leave may start at most {policy.backdate_limit_days} days ago",
            400,
            earliest=earliest.isoformat(),
            limit_days=policy.backdate_limit_days,
        )
    cal = employee_calendar(emp)
    count = count_leave_days(cal, req.from_date, req.to_date, req.half_day)
    if count.total <= 0:
        raise AppError(
            "no_working_days",
            "the range has no working days (weekends/public holidays only)",
            400,
            excluded=[d.date.isoformat() for d, _ in count.days],
        )
    _check_overlap(session, emp.id, req)
    if lt.max_days_per_application is not None and count.total > lt.max_days_per_application:
        raise AppError(
            "exceeds_maximum",
            f"{lt.code} leave is limited to {lt.max_days_per_application:g} days per application",
            400,
            requested=count.total,
            maximum=lt.max_days_per_application,
        )
    before = after = None
    if lt.needs_balance:
        bal = balance_of(session, emp.id, lt, req.from_date.year, lock=lock)
        before, after = bal.balance, bal.balance - count.total
        if after < 0:
            raise AppError(
                "insufficient_balance",
                f"not enough {lt.code} leave: {count.total:g} days requested, {bal.balance:g} available",
                409,
                leave_type=lt.code,
                year=req.from_date.year,
                requested=count.total,
                available=bal.balance,
                allocated=bal.allocated,
                taken=bal.taken,
                pending=bal.pending,
            )
    return Quote(emp, lt, req, cal, count, before, after)


def _check_overlap(session: Session, employee_id: str, req: LeaveRequestIn) -> None:
    rows = session.scalars(
        select(LeaveApplication).where(
            LeaveApplication.employee_id == employee_id,
            LeaveApplication.status.in_(ACTIVE),
            LeaveApplication.from_date <= req.to_date,
            LeaveApplication.to_date >= req.from_date,
        )
    ).all()
    for other in rows:
        # two halves (am + pm) of the same single day do not overlap
        single = req.from_date == req.to_date == other.from_date == other.to_date
        if single and req.half_day and other.half_day and req.half_day != other.half_day:
            continue
        raise AppError(
            "overlapping_leave",
            f"overlaps leave application {other.id} "
            f"({other.from_date.isoformat()} to {other.to_date.isoformat()}, {other.status})",
            409,
            leave_id=other.id,
            from_date=other.from_date.isoformat(),
            to_date=other.to_date.isoformat(),
            status=other.status,
        )


def apply(session: Session, actor: Actor, req: LeaveRequestIn, today: date) -> LeaveApplication:
    q = quote(session, actor, req, today, lock=True)
    app = LeaveApplication(
        employee_id=q.employee.id,
        leave_type_id=q.leave_type.id,
        from_date=req.from_date,
        to_date=req.to_date,
        half_day=req.half_day,
        working_days=q.count.total,
        reason=req.reason,
        status="open",
        approver_id=q.employee.manager_id,
        channel=actor.channel,
    )
    session.add(app)
    session.flush()
    audit.record(session, actor, "leave.apply", "leave_application", app.id, None, audit.snapshot(app))
    notifications.leave_submitted(session, app)
    return app


def get_application(session: Session, leave_id: int, *, lock: bool = False) -> LeaveApplication:
    q = select(LeaveApplication).where(LeaveApplication.id == leave_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    app = session.scalar(q)
    if app is None:
        raise not_found("leave_application", leave_id)
    return app


def can_read_application(session: Session, actor: Actor, app: LeaveApplication) -> None:
    me = require_employee(actor)
    if me.id == app.employee_id or me.is_hr_admin or app.employee_id in all_reports(session, me.id):
        return
    raise AppError("not_your_report", f"leave application {app.id} is not yours or a report's", 403)


def decide(
    session: Session, actor: Actor, leave_id: int, approve: bool, reason: str | None
) -> LeaveApplication:
    app = get_application(session, leave_id, lock=True)
    can_decide_leave(session, actor, app.employee)
    if app.status != "open":
        raise AppError(
            "invalid_state", f"leave application {app.id} is {app.status}, not open", 409, status=app.status
        )
    before = audit.snapshot(app)
    app.status = "approved" if approve else "rejected"
    app.decided_by = actor.id
    app.decided_at = datetime.now(timezone.utc)
    app.decision_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        "leave.approve" if approve else "leave.reject",
        "leave_application",
        app.id,
        before,
        audit.snapshot(app),
    )
    notifications.leave_decided(session, app, actor.employee)
    return app


def cancel_refusal(session: Session, actor: Actor, app: LeaveApplication, today: date) -> AppError | None:
    """Why ``actor`` may not cancel ``app`` today, or None when they may: the one cancellation rule
    (open, or approved and not yet started; once started only HR), used by ``cancel`` and shown on
    every application read so that the chat offers only what can be cancelled."""
    me = require_employee(actor)
    if me.id != app.employee_id and not me.is_hr_admin:
        if app.employee_id in all_reports(session, me.id):
            return AppError("forbidden", "managers reject leave rather than cancel it", 403)
        return AppError("not_your_report", f"leave application {app.id} is not yours", 403)
    if app.status not in ACTIVE:
        return AppError(
            "invalid_state", f"leave application {app.id} is {app.status}", 409, status=app.status
        )
    if app.status == "approved" and app.from_date <= today and not me.is_hr_admin:
        return AppError(
            "leave_started",
            "approved leave that has started can only be cancelled by HR",
            409,
            status=app.status,
            leave_id=app.id,
        )
    return None


def cancel(session: Session, actor: Actor, leave_id: int, today: date) -> LeaveApplication:
    """Open or Approved -> Cancelled, as ``cancel_refusal`` allows."""
    app = get_application(session, leave_id, lock=True)
    refusal = cancel_refusal(session, actor, app, today)
    if refusal is not None:
        raise refusal
    before = audit.snapshot(app)
    app.status = "cancelled"
    session.flush()
    audit.record(session, actor, "leave.cancel", "leave_application", app.id, before, audit.snapshot(app))
    return app


def balances(session: Session, employee_id: str, year: int) -> list[tuple[LeaveType, Balance]]:
    types = session.scalars(select(LeaveType).where(LeaveType.needs_balance.is_(True)).order_by(LeaveType.id))
    return [(lt, balance_of(session, employee_id, lt, year)) for lt in types]


def generate_allocations(
    session: Session, actor: Actor, year: int, employee_ids: list[str] | None = None
) -> int:
    """Create the missing allocations of ``year`` from each employee's policy; returns how many."""
    created = 0
    types = {lt.code: lt for lt in session.scalars(select(LeaveType))}
    q = select(Employee).where(Employee.status != "left").order_by(Employee.id)
    if employee_ids is not None:
        q = q.where(Employee.id.in_(employee_ids))
    for emp in session.scalars(q).all():
        policy = effective_policy(session, emp)
        for code, days in allocations_for(emp, policy, year).items():
            lt = types.get(code)
            if lt is None:
                continue
            exists = session.scalar(
                select(LeaveAllocation.id).where(
                    LeaveAllocation.employee_id == emp.id,
                    LeaveAllocation.leave_type_id == lt.id,
                    LeaveAllocation.year == year,
                )
            )
            if exists is not None:
                continue
            alloc = LeaveAllocation(
                employee_id=emp.id, leave_type_id=lt.id, year=year, days=days, note=f"policy {policy.code}"
            )
            session.add(alloc)
            session.flush()
            audit.record(
                session, actor, "leave.allocate", "leave_allocation", alloc.id, None, audit.snapshot(alloc)
            )
            created += 1
    return created
