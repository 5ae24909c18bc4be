"""Leave policy presets: PRC statutory annual leave and US federal accrual."""

from __future__ import annotations

from datetime import date

import pytest
from personnel_testkit import Api

from personnel.app.models import Employee, LeavePolicy
from personnel.app.services.policy import (
    annual_entitlement,
    statutory_annual_days,
    us_accrual_hours_per_period,
)


@pytest.mark.parametrize(
    ("first", "on", "days"),
    [
        (date(2026, 1, 2), date(2026, 12, 31), 0),
        (date(2025, 1, 1), date(2025, 12, 31), 0),
        (date(2025, 1, 1), date(2026, 1, 1), 5),
        (date(2016, 1, 2), date(2026, 1, 1), 5),
        (date(2016, 1, 1), date(2026, 1, 1), 10),
        (date(2006, 1, 2), date(2026, 1, 1), 10),
        (date(2006, 1, 1), date(2026, 1, 1), 15),
        (date(1990, 1, 1), date(2026, 1, 1), 15),
    ],
)
def test_statutory_thresholds(first: date, on: date, days: int) -> None:
    assert statutory_annual_days(first, on) == days


def test_us_accrual() -> None:
    assert [us_accrual_hours_per_period(y) for y in (0, 2.9, 3, 14.9, 15, 30)] == [4, 4, 6, 6, 8, 8]


def _emp(hire: date, first: date | None = None) -> Employee:
    return Employee(id="X", hire_date=hire, first_employment_date=first)


def _policy(method: str, **kw: float) -> LeavePolicy:
    return LeavePolicy(
        code=method,
        annual_method=method,
        annual_fixed_days=kw.get("fixed", 0),
        annual_extra_days=kw.get("extra", 0),
    )


def test_entitlement_presets() -> None:
    prc = _policy("prc_statutory")
    assert annual_entitlement(_emp(date(2015, 1, 1), date(2010, 7, 1)), prc, 2026).annual_days == 10
    # joiner mid-year with 12 years' prior service: 10 days x remaining share, rounded down
    joiner = annual_entitlement(_emp(date(2026, 7, 1), date(2014, 7, 1)), prc, 2026)
    assert joiner.annual_days == 5  # floor(10 * 184/365)
    us = _policy("us_federal_accrual")
    assert annual_entitlement(_emp(date(2024, 1, 1)), us, 2026).annual_days == 13  # 4h x 26 / 8
    assert annual_entitlement(_emp(date(2020, 1, 1)), us, 2026).annual_days == 19.5
    assert annual_entitlement(_emp(date(2005, 1, 1)), us, 2026).annual_days == 26
    fixed = _policy("fixed", fixed=5, extra=2)
    assert annual_entitlement(_emp(date(2020, 1, 1)), fixed, 2026).annual_days == 7


def test_entitlement_endpoint_and_allocations_follow_policy(api: Api) -> None:
    r = api.get("/employees/E1001/entitlement?year=2026")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "prc_statutory" and body["annual_days"] == 10  # first employed 2014
    bal = {b["leave_type"]: b for b in api.get("/leave/balances?year=2026").json()}
    assert bal["annual"]["allocated"] == 10
    # Liu Yang E1005 started work in July 2025: under a year on 2026-01-01 -> 0 statutory days
    assert api.get("/employees/E1005/entitlement?year=2026", emp="E1005").json()["annual_days"] == 0
    assert api.get("/employees/E1005/entitlement?year=2027", emp="E1005").json()["annual_days"] == 5
    # US office follows the federal accrual preset
    us = api.get("/employees/E1007/entitlement?year=2026", emp="E1007").json()
    assert us["method"] == "us_federal_accrual" and us["annual_days"] == 19.5
    # next year's allocations exist (seeded from the policy)
    assert api.get("/leave/balances?year=2027").json()[0]["allocated"] == 10
