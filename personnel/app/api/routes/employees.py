"""Employees, org and the acting employee's own profile (``/me``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from personnel.app import schemas as s
from personnel.app.api import views
from personnel.app.api.deps import ActorDep, SessionDep, TodayDep
from personnel.app.models import Department, Employee
from personnel.app.services import access
from personnel.app.services.policy import annual_entitlement, effective_policy

router = APIRouter(tags=["employees"])
EmpId = Annotated[str, Path(max_length=20, description="employee id, e.g. E1001")]


@router.get("/me", response_model=s.MeOut)
def me(actor: ActorDep, session: SessionDep) -> s.MeOut:
    emp = access.require_employee(actor)
    manager = access.is_manager(session, emp.id)
    roles = ["employee"] + (["manager"] if manager else []) + (["hr_admin"] if emp.is_hr_admin else [])
    return s.MeOut(
        employee=views.employee(session, emp, "full"),
        is_manager=manager,
        is_hr_admin=emp.is_hr_admin,
        roles=roles,
        direct_reports=access.direct_reports(session, emp.id),
        channel=actor.channel,
    )


@router.get("/employees", response_model=list[s.EmployeeOut])
def list_employees(actor: ActorDep, session: SessionDep) -> list[s.EmployeeOut]:
    """Everyone the actor may see: all (HR admin), else themself and their reports."""
    me = access.require_employee(actor)
    q = select(Employee).order_by(Employee.id)
    if not me.is_hr_admin:
        q = q.where(Employee.id.in_({me.id} | access.all_reports(session, me.id)))
    return [
        views.employee(session, e, "full" if (me.is_hr_admin or e.id == me.id) else "limited")
        for e in session.scalars(q)
    ]


@router.get("/employees/{employee_id}", response_model=s.EmployeeOut)
def get_employee(employee_id: EmpId, actor: ActorDep, session: SessionDep) -> s.EmployeeOut:
    level = access.read_level(session, actor, employee_id)
    return views.employee(session, access.get_employee(session, employee_id), level)


@router.get("/employees/{employee_id}/entitlement", response_model=s.EntitlementOut)
def entitlement(
    employee_id: EmpId,
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    year: Annotated[int | None, Query(ge=1950, le=2200)] = None,
) -> s.EntitlementOut:
    access.read_level(session, actor, employee_id)
    emp = access.get_employee(session, employee_id)
    y = year or today.year
    ent = annual_entitlement(emp, effective_policy(session, emp), y)
    return s.EntitlementOut(
        employee_id=emp.id,
        year=y,
        policy=ent.policy,
        method=ent.method,
        service_years=ent.service_years,
        annual_days=ent.annual_days,
        explanation=ent.explanation,
    )


@router.get("/departments", response_model=list[s.DepartmentOut])
def departments(actor: ActorDep, session: SessionDep) -> list[s.DepartmentOut]:
    access.require_employee(actor)
    return [
        s.DepartmentOut(
            id=d.id,
            code=d.code,
            name_en=d.name_en,
            name_zh=d.name_zh,
            head_id=d.head_id,
            calendar=d.calendar,
            leave_policy=d.leave_policy.code if d.leave_policy else None,
        )
        for d in session.scalars(select(Department).order_by(Department.code))
    ]
