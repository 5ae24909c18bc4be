"""Leave policy presets: how many days an employee is entitled to, from configuration.

A policy (``LeavePolicy``) is assigned to a department and may be overridden per employee; the
method is one of:

* ``prc_statutory`` — 职工带薪年休假条例 art. 3: cumulative service (from
  ``first_employment_date``) under 1 year: 0 days; 1 to <10 years: 5; 10 to <20: 10; 20+: 15.
  Service is taken at 1 January of the year; a joiner hired during the year gets the share of the
  remaining calendar days, rounded down (企业职工带薪年休假实施办法 art. 5).
* ``us_federal_accrual`` — 5 U.S.C. 6303: 4 hours per biweekly pay period under 3 years of
  service, 6 hours from 3 to <15 years, 8 hours from 15 years; 26 pay periods, 8-hour days.
* ``fixed`` — ``annual_fixed_days``.

``annual_extra_days`` (company days on top) is added for every method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.models import Employee, LeavePolicy

DEFAULT_POLICY = "cn_standard"
PAY_PERIODS = 26
HOURS_PER_DAY = 8


def service_years(start: date, on: date) -> float:
    """Completed years of service between ``start`` and ``on`` (fractional)."""
    if on <= start:
        return 0.0
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    anniversary = _add_years(start, years)
    next_anniversary = _add_years(start, years + 1)
    return years + (on - anniversary).days / (next_anniversary - anniversary).days


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def statutory_annual_days(first_employment: date, on: date) -> int:
    """PRC statutory paid annual leave by cumulative service on ``on``."""
    years = service_years(first_employment, on)
    if years < 1:
        return 0
    if years < 10:
        return 5
    if years < 20:
        return 10
    return 15


def us_accrual_hours_per_period(years: float) -> int:
    if years < 3:
        return 4
    if years < 15:
        return 6
    return 8


@dataclass(frozen=True)
class Entitlement:
    policy: str
    method: str
    service_years: float
    annual_days: float
    explanation: str


def effective_policy(session: Session, emp: Employee) -> LeavePolicy:
    if emp.leave_policy is not None:
        return emp.leave_policy
    if emp.department is not None and emp.department.leave_policy is not None:
        return emp.department.leave_policy
    policy = session.scalar(select(LeavePolicy).where(LeavePolicy.code == DEFAULT_POLICY))
    if policy is None:
        policy = session.scalar(select(LeavePolicy).order_by(LeavePolicy.id).limit(1))
    if policy is None:  # an empty database: statutory minimum
        policy = LeavePolicy(
            code="statutory",
            name_en="Statutory",
            name_zh="法定",
            annual_method="prc_statutory",
            annual_fixed_days=0,
            annual_extra_days=0,
            sick_days=0,
            personal_days=0,
            backdate_limit_days=30,
            training_hours_required=0,
        )
    return policy


def annual_entitlement(emp: Employee, policy: LeavePolicy, year: int) -> Entitlement:
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    start = emp.first_employment_date or emp.hire_date
    years = service_years(start, jan1)
    joined_this_year = jan1 < emp.hire_date <= dec31
    share = ((dec31 - emp.hire_date).days + 1) / ((dec31 - jan1).days + 1) if joined_this_year else 1.0
    if emp.hire_date > dec31:
        share = 0.0
    if policy.annual_method == "prc_statutory":
        on = emp.hire_date if joined_this_year else jan1
        years = service_years(start, on)
        base = statutory_annual_days(start, on)
        days = float(math.floor(base * share))
        why = f"{years:.1f} years of cumulative service on {on.isoformat()}: {base} statutory days" + (
            f", prorated for joining on {emp.hire_date.isoformat()}" if joined_this_year else ""
        )
    elif policy.annual_method == "us_federal_accrual":
        per_period = us_accrual_hours_per_period(years)
        hours = per_period * PAY_PERIODS * share
        days = math.floor(hours / HOURS_PER_DAY * 2) / 2
        why = f"{years:.1f} years of service: {per_period} h per pay period x {PAY_PERIODS} periods"
    else:
        days = float(policy.annual_fixed_days) * share
        days = math.floor(days * 2) / 2
        why = f"fixed {policy.annual_fixed_days:g} days"
    if policy.annual_extra_days:
        days += policy.annual_extra_days
        why += f", plus {policy.annual_extra_days:g} company days"
    return Entitlement(policy.code, policy.annual_method, round(years, 2), days, why)


def allocations_for(emp: Employee, policy: LeavePolicy, year: int) -> dict[str, float]:
    """Days to allocate per leave type code for ``year`` (types that need a balance)."""
    return {
        "annual": annual_entitlement(emp, policy, year).annual_days,
        "sick": float(policy.sick_days),
    }
