"""Time-based notices: the rules a scheduler runs once a day (or more often; re-runs are harmless).

Each rule looks at "today" (the pinned PERSONNEL_TODAY / HRBOT_TODAY in demos and tests) and queues
notices through ``notifications.notify``; every dedupe key names the fact it is about (the
enrolment and session day, the employee and year, the contract end), so running a rule again the
same day, or after a restart, queues nothing new.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.core.config import Settings
from personnel.app.models import Employee, Enrolment, LeaveType, TrainingSession
from personnel.app.services import notifications
from personnel.app.services.leave import balance_of
from personnel.app.services.training import progress

ANNUAL = "annual"


def _active_employees(session: Session) -> list[Employee]:
    return list(session.scalars(select(Employee).where(Employee.status != "left").order_by(Employee.id)))


def year_end_window(today: date, settings: Settings) -> bool:
    """The last weeks of the year, when unused leave and missing training hours are chased."""
    return today.month == 12 and today.day >= settings.notify_year_end_from_day


def training_reminders(session: Session, today: date) -> int:
    """The day before a training session: everyone enrolled in it."""
    tomorrow = today + timedelta(days=1)
    rows = session.scalars(
        select(Enrolment)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .where(TrainingSession.start_date == tomorrow, Enrolment.status == "enrolled")
        .order_by(Enrolment.id)
    ).all()
    queued = 0
    for e in rows:
        ts = e.session
        notice = notifications.notify(
            session,
            employee_id=e.employee_id,
            kind="training_reminder",
            params={
                "enrolment_id": e.id,
                "course_code": ts.course.code,
                "title_en": ts.course.title_en,
                "title_zh": ts.course.title_zh,
                "start_date": ts.start_date.isoformat(),
                "end_date": ts.end_date.isoformat(),
                "place": ts.place,
            },
            dedupe_key=f"training_reminder:{e.id}:{ts.start_date.isoformat()}",
        )
        queued += notice is not None
    return queued


def unused_leave(session: Session, today: date, settings: Settings) -> int:
    """Year end (应休未休): employees with annual leave left this year, with the days and the deadline."""
    if not year_end_window(today, settings):
        return 0
    lt = session.scalar(select(LeaveType).where(LeaveType.code == ANNUAL))
    if lt is None:
        return 0
    queued = 0
    for emp in _active_employees(session):
        bal = balance_of(session, emp.id, lt, today.year)
        if bal.balance <= 0:
            continue
        notice = notifications.notify(
            session,
            employee_id=emp.id,
            kind="leave_unused_year_end",
            params={
                "year": today.year,
                "days_left": bal.balance,
                "allocated": bal.allocated,
                "taken": bal.taken,
                "pending": bal.pending,
                "deadline": date(today.year, 12, 31).isoformat(),
                "leave_type_en": lt.name_en,
                "leave_type_zh": lt.name_zh,
            },
            dedupe_key=f"leave_unused:{emp.id}:{today.year}",
        )
        queued += notice is not None
    return queued


def training_hours_short(session: Session, today: date, settings: Settings) -> int:
    """Year end: employees whose completed and booked hours stay below the yearly requirement."""
    if not year_end_window(today, settings):
        return 0
    queued = 0
    for emp in _active_employees(session):
        p = progress(session, emp, today.year)
        required = float(p["required_hours"])  # type: ignore[arg-type]
        done = float(p["completed_hours"])  # type: ignore[arg-type]
        planned = float(p["planned_hours"])  # type: ignore[arg-type]
        short = required - done - planned
        if short <= 0:
            continue
        notice = notifications.notify(
            session,
            employee_id=emp.id,
            kind="training_hours_short",
            params={
                "year": today.year,
                "required_hours": required,
                "completed_hours": done,
                "planned_hours": planned,
                "short_hours": short,
                "deadline": date(today.year, 12, 31).isoformat(),
            },
            dedupe_key=f"training_short:{emp.id}:{today.year}",
        )
        queued += notice is not None
    return queued


def contracts_ending(session: Session, today: date, settings: Settings) -> int:
    """HR admins hear of every fixed-term contract ending within NOTIFY_CONTRACT_END_DAYS."""
    horizon = today + timedelta(days=settings.notify_contract_end_days)
    ending = session.scalars(
        select(Employee)
        .where(
            Employee.status != "left",
            Employee.contract_end.is_not(None),
            Employee.contract_end >= today,
            Employee.contract_end <= horizon,
        )
        .order_by(Employee.contract_end, Employee.id)
    ).all()
    hr = session.scalars(
        select(Employee)
        .where(Employee.is_hr_admin.is_(True), Employee.status != "left")
        .order_by(Employee.id)
    ).all()
    queued = 0
    for emp in ending:
        assert emp.contract_end is not None
        for admin in hr:
            notice = notifications.notify(
                session,
                employee_id=admin.id,
                kind="contract_ending",
                params={
                    "employee_id": emp.id,
                    "employee": {"name_en": emp.name_en, "name_zh": emp.name_zh},
                    "end_date": emp.contract_end.isoformat(),
                    "days_left": (emp.contract_end - today).days,
                    "position": emp.position,
                },
                dedupe_key=f"contract_ending:{admin.id}:{emp.id}:{emp.contract_end.isoformat()}",
            )
            queued += notice is not None
    return queued


def run_rules(session: Session, today: date, settings: Settings) -> dict[str, int]:
    """Every time-based rule once, in one transaction; returns how many notices each queued."""
    counts = {
        "training_reminder": training_reminders(session, today),
        "leave_unused_year_end": unused_leave(session, today, settings),
        "training_hours_short": training_hours_short(session, today, settings),
        "contract_ending": contracts_ending(session, today, settings),
    }
    session.commit()
    return counts
