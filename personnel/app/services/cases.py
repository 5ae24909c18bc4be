"""HR cases: a conversation handed over to a person in HR (anonymous allowed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.models import Employee, HRCase
from personnel.app.schemas import CaseIn, CaseUpdateIn
from personnel.app.services import audit
from personnel.app.services.access import Actor, require_employee, require_hr
from personnel.app.services.errors import AppError, not_found


def create(session: Session, actor: Actor, body: CaseIn) -> HRCase:
    case = HRCase(
        subject=body.subject,
        transcript=body.transcript,
        language=body.language,
        status="open",
        employee_id=actor.id,
        channel=actor.channel,
    )
    session.add(case)
    session.flush()
    audit.record(session, actor, "case.create", "hr_case", case.id, None, audit.snapshot(case))
    return case


def visible(session: Session, actor: Actor) -> list[HRCase]:
    me = require_employee(actor)
    q = select(HRCase).order_by(HRCase.id.desc())
    if not me.is_hr_admin:
        q = q.where(HRCase.employee_id == me.id)
    return list(session.scalars(q))


def get(session: Session, actor: Actor, case_id: int) -> HRCase:
    me = require_employee(actor)
    case = session.get(HRCase, case_id)
    if case is None:
        raise not_found("hr_case", case_id)
    if not me.is_hr_admin and case.employee_id != me.id:
        raise AppError("forbidden", "this case is not yours", 403)
    return case


def update(session: Session, actor: Actor, case_id: int, body: CaseUpdateIn) -> HRCase:
    require_hr(actor)
    case = get(session, actor, case_id)
    before = audit.snapshot(case)
    if body.assignee_id is not None:
        assignee = session.get(Employee, body.assignee_id)
        if assignee is None or not assignee.is_hr_admin:
            raise AppError(
                "invalid_assignee", "cases are assigned to HR admins", 400, assignee_id=body.assignee_id
            )
        case.assignee_id = assignee.id
    if body.status is not None:
        case.status = body.status
    session.flush()
    audit.record(session, actor, "case.update", "hr_case", case.id, before, audit.snapshot(case))
    return case
