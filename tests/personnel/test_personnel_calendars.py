"""Calendars as data: a missing year is listed and counted on weekends only; publishing it (edited on
the admin page, or an iCalendar file) recounts pending requests and tells their owners."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from personnel_testkit import Api
from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.db import make_engine
from personnel.app.models import AuditLog, Notification
from personnel.app.services.calendar_publish import status

# New Year's Day 2027 is a Friday: Fri 1 Jan .. Tue 5 Jan is 3 weekdays
REQUEST = {"leave_type": "annual", "from_date": "2027-01-01", "to_date": "2027-01-05"}


def _prc(api: Api) -> dict:
    cals = api.get("/calendars", emp="E1003").json()
    return next(c for c in cals if c["code"] == "PRC")


def test_publishing_a_missing_year_recounts_pending_leave_and_tells_the_employee(api: Api) -> None:
    prc = _prc(api)
    assert 2027 in prc["missing"]
    assert {y["year"] for y in prc["years"]} >= {2025, 2026}
    assert all(y["source"].startswith("shipped") for y in prc["years"])

    preview = api.post("/leave/preview", json=REQUEST).json()
    assert preview["working_days"] == 3 and preview["calendar_complete"] is False
    created = api.post("/leave/applications", json=REQUEST)
    assert created.status_code == 201, created.text
    leave_id = created.json()["id"]

    body = {
        "holidays": [
            {"from": "2027-01-01", "to": "2027-01-03", "name_en": "New Year's Day", "name_zh": "元旦"}
        ],
        "makeup_workdays": [],
        "source": "国务院办公厅 2027 schedule",
    }
    assert api.client.put("/calendars/PRC/2027", json=body, headers=_h("E1001")).status_code == 403
    r = api.client.put("/calendars/PRC/2027", json=body, headers=_h("E1003"))
    assert r.status_code == 200, r.text
    assert r.json()["recounted"] == [
        {"leave_id": leave_id, "employee_id": "E1001", "before": 3.0, "after": 2.0}
    ]
    app = api.get(f"/leave/applications/{leave_id}").json()
    assert app["working_days"] == 2
    prc = _prc(api)
    assert 2027 not in prc["missing"]
    year = next(y for y in prc["years"] if y["year"] == 2027)
    assert year["source"] == "国务院办公厅 2027 schedule" and year["holidays"] == 3
    later = {"leave_type": "annual", "from_date": "2027-01-11", "to_date": "2027-01-12"}
    assert api.post("/leave/preview", json=later).json()["calendar_complete"] is True

    engine = make_engine(api.url)
    with Session(engine) as session:
        notes = session.scalars(select(Notification).where(Notification.kind == "calendar_recount")).all()
        assert [
            (n.employee_id, n.params["leave_id"], n.params["before"], n.params["after"]) for n in notes
        ] == [("E1001", leave_id, 3.0, 2.0)]
        assert session.scalar(select(AuditLog.id).where(AuditLog.action == "leave.recount"))
    engine.dispose()

    # publishing the same year again changes no count and tells nobody twice
    again = api.client.put("/calendars/PRC/2027", json=body, headers=_h("E1003"))
    assert again.json()["recounted"] == []


def test_icalendar_import_publishes_holidays_and_makeup_days(api: Api) -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a@x\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\n"
        "SUMMARY:元旦\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b@x\r\nDTSTART;VALUE=DATE:20270206\r\nDTEND;VALUE=DATE:20270207\r\n"
        "SUMMARY:春节补班\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()
    r = api.client.post(
        "/calendars/import",
        files={"file": ("prc-2027.ics", ics, "text/calendar")},
        data={"code": "PRC"},
        headers=_h("E1003"),
    )
    assert r.status_code == 200, r.text
    year = api.get("/calendars/PRC/2027").json()
    assert year["source"] == "imported from prc-2027.ics"
    assert year["holidays"] == [
        {"from": "2027-01-01", "to": "2027-01-03", "name_en": "元旦", "name_zh": "元旦"}
    ]
    assert [m["date"] for m in year["makeup_workdays"]] == ["2027-02-06"]
    # Sat 6 Feb 2027 is now a working day
    q = api.post(
        "/leave/preview", json={"leave_type": "annual", "from_date": "2027-02-06", "to_date": "2027-02-06"}
    )
    assert q.json()["working_days"] == 1


def test_a_day_cannot_be_both_holiday_and_working_day(api: Api) -> None:
    body = {
        "holidays": [{"from": "2027-01-01", "to": "2027-01-01", "name_en": "New Year"}],
        "makeup_workdays": [{"date": "2027-01-01", "name_en": "work"}],
    }
    r = api.client.put("/calendars/PRC/2027", json=body, headers=_h("E1003"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"
    assert 2027 in _prc(api)["missing"]


def _h(emp: str) -> dict[str, str]:
    from personnel_testkit import headers

    return headers(emp)


def test_cli_publishes_a_year_from_a_yaml_file_with_its_source(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    yml = tmp_path / "prc-2027.yaml"
    yml.write_text(
        "code: PRC\nname_en: Mainland China (PRC)\nname_zh: 中国大陆\nyears:\n  2027:\n    holidays:\n"
        "      - {from: 2027-01-01, to: 2027-01-03, name_en: New Year's Day, name_zh: 元旦}\n",
        encoding="utf-8",
    )
    hrbot = str(Path(sys.executable).parent / "hrbot")
    env = {**os.environ, "PERSONNEL_DATABASE_URL": url}
    r = subprocess.run([hrbot, "personnel", "calendar", str(yml)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    engine = make_engine(url)
    with Session(engine) as session:
        prc = next(c for c in status(session, date(2026, 11, 23)) if c["code"] == "PRC")
        assert [(y["year"], y["source"], y["holidays"]) for y in prc["years"]] == [
            (2027, "imported from prc-2027.yaml", 3)
        ]
    engine.dispose()
    bad = tmp_path / "bad.ics"
    bad.write_text("not a calendar")
    r = subprocess.run([hrbot, "personnel", "calendar", str(bad)], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "--code" in r.stderr
