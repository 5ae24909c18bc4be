"""Who may see and do what. Every access rule is decided here, nowhere else.

* an employee reads and changes only their own data;
* a manager reads their reports' data (direct and indirect, without sensitive fields) and decides
  their direct reports' leave;
* an HR admin (``Employee.is_hr_admin``) reads and manages everything, but never approves their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.models import Department, Employee
from personnel.app.services.errors import AppError, not_found


@dataclass
class Actor:
    """The acting employee (None when anonymous) and the channel of the request."""

    employee: Employee | None
    channel: str

    @property
    def id(self) -> str | None:
        return self.employee.id if self.employee else None

    @property
    def is_hr_admin(self) -> bool:
        return bool(self.employee and self.employee.is_hr_admin)


def require_employee(actor: Actor) -> Employee:
    if actor.employee is None:
        raise AppError("identity_required", "this request needs an acting employee (X-Acting-Employee)", 403)
    return actor.employee


def require_hr(actor: Actor) -> Employee:
    emp = require_employee(actor)
    if not emp.is_hr_admin:
        raise AppError("forbidden", "only HR admins may do this", 403)
    return emp


def direct_reports(session: Session, manager_id: str) -> list[str]:
    return list(
        session.scalars(select(Employee.id).where(Employee.manager_id == manager_id).order_by(Employee.id))
    )


def all_reports(session: Session, manager_id: str) -> set[str]:
    """Direct and indirect reports (the manager chain), cycle-safe."""
    found: set[str] = set()
    frontier = [manager_id]
    while frontier:
        rows = session.scalars(select(Employee.id).where(Employee.manager_id.in_(frontier))).all()
        frontier = [r for r in rows if r not in found and r != manager_id]
        found.update(frontier)
    return found


def is_manager(session: Session, employee_id: str) -> bool:
    has_reports = session.scalar(select(Employee.id).where(Employee.manager_id == employee_id).limit(1))
    heads = session.scalar(select(Department.id).where(Department.head_id == employee_id).limit(1))
    return has_reports is not None or heads is not None


def get_employee(session: Session, employee_id: str) -> Employee:
    emp = session.get(Employee, employee_id)
    if emp is None:
        raise not_found("employee", employee_id)
    return emp


def read_level(session: Session, actor: Actor, target_id: str) -> str:
    """'full' (self, HR admin) or 'limited' (manager of the target); raise otherwise."""
    me = require_employee(actor)
    get_employee(session, target_id)
    if me.id == target_id or me.is_hr_admin:
        return "full"
    if target_id in all_reports(session, me.id):
        return "limited"
    raise AppError("not_your_report", f"{target_id} is not one of your reports", 403, employee_id=target_id)


def resolve_target(session: Session, actor: Actor, employee_id: str | None) -> tuple[str, str]:
    """Employee a read is about (default: the actor) and the read level."""
    me = require_employee(actor)
    target = employee_id or me.id
    return target, read_level(session, actor, target)


def require_self_or_hr(session: Session, actor: Actor, target_id: str) -> None:
    """Changes on someone's behalf: only themself or an HR admin."""
    me = require_employee(actor)
    get_employee(session, target_id)
    if me.id != target_id and not me.is_hr_admin:
        raise AppError("forbidden", "you may only change your own data", 403, employee_id=target_id)


def can_decide_leave(session: Session, actor: Actor, applicant: Employee) -> None:
    """Approver is the applicant's manager or an HR admin, never the applicant."""
    me = require_employee(actor)
    if me.id == applicant.id:
        raise AppError("self_approval", "you cannot approve or reject your own leave", 403)
    if me.is_hr_admin or applicant.manager_id == me.id:
        return
    raise AppError("not_your_report", f"{applicant.id} does not report to you", 403, employee_id=applicant.id)
