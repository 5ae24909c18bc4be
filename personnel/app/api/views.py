"""ORM objects -> response schemas, including the masking of sensitive employee fields."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from personnel.app import schemas as s
from personnel.app.models import Course, Employee, Enrolment, LeaveApplication, TrainingSession
from personnel.app.services import training
from personnel.app.services.errors import AppError
from personnel.app.services.leave import employee_calendar
from personnel.app.services.policy import effective_policy


def employee(session: Session, emp: Employee, level: str) -> s.EmployeeOut:
    """``level`` is 'full' (self, HR admin) or 'limited' (sensitive fields omitted)."""
    dept = emp.department
    out = s.EmployeeOut(
        id=emp.id,
        name_en=emp.name_en,
        name_zh=emp.name_zh,
        email=emp.email,
        department_id=emp.department_id,
        department_code=dept.code if dept else None,
        department_name_en=dept.name_en if dept else None,
        department_name_zh=dept.name_zh if dept else None,
        position=emp.position,
        grade=emp.grade,
        manager_id=emp.manager_id,
        hire_date=emp.hire_date,
        first_employment_date=emp.first_employment_date,
        employment_type=emp.employment_type,
        contract_end=emp.contract_end,
        preferred_language=emp.preferred_language,  # type: ignore[arg-type]
        status=emp.status,
        calendar=employee_calendar(emp).code,
        leave_policy=effective_policy(session, emp).code,
        is_hr_admin=emp.is_hr_admin,
        sensitive_visible=level == "full",
    )
    boss = emp.manager_id and session.get(Employee, emp.manager_id)
    if boss:
        out.manager_name_en, out.manager_name_zh = boss.name_en, boss.name_zh
        out.manager_position, out.manager_email = boss.position, boss.email
    if level == "full":
        out.national_id, out.home_address, out.salary = emp.national_id, emp.home_address, emp.salary
    return out


def leave_application(
    app: LeaveApplication, refusal: AppError | bool | None = False
) -> s.LeaveApplicationOut:
    """``refusal``: what cancelling would get (``cancel_refusal``), None when allowed, False when
    not computed (after a change)."""
    return s.LeaveApplicationOut(
        id=app.id,
        employee_id=app.employee_id,
        employee_name_en=app.employee.name_en,
        employee_name_zh=app.employee.name_zh,
        leave_type=app.leave_type.code,
        from_date=app.from_date,
        to_date=app.to_date,
        half_day=app.half_day,  # type: ignore[arg-type]
        working_days=app.working_days,
        reason=app.reason,
        status=app.status,  # type: ignore[arg-type]
        approver_id=app.approver_id,
        decided_by=app.decided_by,
        decided_at=app.decided_at,
        decision_reason=app.decision_reason,
        channel=app.channel,
        created_at=app.created_at,
        cancellable=None if refusal is False else refusal is None,
        cancel_refusal=refusal.code if isinstance(refusal, AppError) else None,
    )


def session_out(ts: TrainingSession, counts: dict[str, int], today_open: bool) -> s.SessionOut:
    enrolled, waiting = counts.get("enrolled", 0), counts.get("waitlisted", 0)
    return s.SessionOut(
        id=ts.id,
        course_id=ts.course_id,
        start_date=ts.start_date,
        end_date=ts.end_date,
        place=ts.place,
        capacity=ts.capacity,
        enrolled_count=enrolled,
        waitlist_count=waiting,
        seats_left=max(0, ts.capacity - enrolled),
        enrolment_deadline=ts.enrolment_deadline,
        waitlist_enabled=ts.waitlist_enabled,
        open_for_enrolment=today_open,
    )


def course(session: Session, c: Course, sessions: list[TrainingSession], today: date) -> s.CourseOut:
    cnt = training.counts(session, [t.id for t in sessions])
    return s.CourseOut(
        id=c.id,
        code=c.code,
        title_en=c.title_en,
        title_zh=c.title_zh,
        category=c.category,
        keywords=list(c.keywords or []),
        mandatory=c.mandatory,
        delivery=c.delivery,  # type: ignore[arg-type]
        hours=c.hours,
        description_en=c.description_en,
        description_zh=c.description_zh,
        prerequisites=[p.code for p in c.prerequisites],
        sessions=[
            session_out(t, cnt[t.id], today <= t.enrolment_deadline and today < t.start_date)
            for t in sessions
        ],
    )


def enrolment(session: Session, e: Enrolment, refusal: AppError | bool | None = False) -> s.EnrolmentOut:
    """``refusal``: what withdrawing would get (``withdraw_refusal``), None when allowed, False when
    not computed (after a change)."""
    ts = e.session
    return s.EnrolmentOut(
        id=e.id,
        session_id=e.session_id,
        course_id=ts.course_id,
        course_code=ts.course.code,
        title_en=ts.course.title_en,
        title_zh=ts.course.title_zh,
        employee_id=e.employee_id,
        status=e.status,  # type: ignore[arg-type]
        waitlist_position=training.waitlist_position(session, e),
        start_date=ts.start_date,
        end_date=ts.end_date,
        created_at=e.created_at,
        withdrawable=None if refusal is False else refusal is None,
        withdraw_refusal=refusal.code if isinstance(refusal, AppError) else None,
    )
