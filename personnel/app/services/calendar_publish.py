"""Publishing holiday calendars: from the shipped YAML, an iCalendar file or the admin page.

Publishing a year replaces its holidays and make-up working days, notes the source, and recounts
the working days of every pending (open) leave application in that year on that calendar; each
application whose count changes is updated, audited, and its employee told through the outbox
(kind ``calendar_recount``). Years nobody published are listed as missing: until then leave is
counted on weekends only and the employee is told the count may change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from personnel.app.models import (
    CalendarDay,
    CalendarYear,
    Department,
    Employee,
    HolidayCalendar,
    LeaveApplication,
    LeaveType,
    utcnow,
)
from personnel.app.services import audit
from personnel.app.services.access import Actor
from personnel.app.services.calendar import HOLIDAY_DIR, build_db_calendars, count_leave_days
from personnel.app.services.errors import AppError
from personnel.app.services.notifications import notify


@dataclass
class Holiday:
    start: date
    end: date
    name_en: str
    name_zh: str


@dataclass
class Makeup:
    day: date
    name_en: str
    name_zh: str


@dataclass
class YearData:
    holidays: list[Holiday] = field(default_factory=list)
    makeup: list[Makeup] = field(default_factory=list)


@dataclass
class CalendarFile:
    code: str
    name_en: str
    name_zh: str
    weekend: list[int]
    years: dict[int, YearData]


@dataclass
class Recount:
    leave_id: int
    employee_id: str
    before: float
    after: float


def _d(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def parse_yaml(text: str) -> CalendarFile:
    """The shipped format (``personnel/app/holidays/*.yaml``)."""
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or "code" not in raw:
        raise AppError("validation_error", "a calendar file needs a code and years", 400)
    years: dict[int, YearData] = {}
    for y, data in (raw.get("years") or {}).items():
        yd = YearData()
        for h in (data or {}).get("holidays") or []:
            yd.holidays.append(
                Holiday(_d(h["from"]), _d(h["to"]), h["name_en"], h.get("name_zh") or h["name_en"])
            )
        for m in (data or {}).get("makeup_workdays") or []:
            yd.makeup.append(Makeup(_d(m["date"]), m["name_en"], m.get("name_zh") or m["name_en"]))
        years[int(y)] = yd
    return CalendarFile(
        raw["code"],
        raw.get("name_en", raw["code"]),
        raw.get("name_zh", raw["code"]),
        list(raw.get("weekend", [5, 6])),
        years,
    )


MAKEUP_MARKS = ("补班", "调休上班", "上班", "make-up", "makeup", "working day", "workday")


def parse_ical(
    data: bytes, code: str, name_en: str | None = None, name_zh: str | None = None
) -> CalendarFile:
    """All-day VEVENTs are holidays (DTEND exclusive); an event whose summary or categories say it is
    a working day (补班, 调休上班, make-up working day, CATEGORIES:WORKDAY) is a make-up working day."""
    import icalendar

    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise AppError("validation_error", f"not an iCalendar file: {exc}", 400) from exc
    years: dict[int, YearData] = {}
    for ev in cal.walk("VEVENT"):
        start = ev.decoded("DTSTART")
        start = start.date() if hasattr(start, "date") and callable(start.date) else start
        end = ev.decoded("DTEND", None)
        if end is not None:
            end = end.date() if hasattr(end, "date") and callable(end.date) else end
            end = max(start, end - timedelta(days=1))
        else:
            end = start
        summary = str(ev.get("SUMMARY", "")).strip() or code
        cats = ev.get("CATEGORIES")
        cat_text = " ".join(str(c) for c in (cats.cats if hasattr(cats, "cats") else [])) if cats else ""
        text = f"{summary} {cat_text}".lower()
        en_name, zh_name = (summary, summary)
        if any(m in text for m in MAKEUP_MARKS):
            d = start
            while d <= end:
                years.setdefault(d.year, YearData()).makeup.append(Makeup(d, en_name, zh_name))
                d += timedelta(days=1)
        else:
            years.setdefault(start.year, YearData()).holidays.append(Holiday(start, end, en_name, zh_name))
    return CalendarFile(code, name_en or code, name_zh or name_en or code, [5, 6], years)


def _validate(year: int, data: YearData) -> None:
    holiday_days: set[date] = set()
    for h in data.holidays:
        if h.end < h.start:
            raise AppError(
                "validation_error", f"{h.name_en}: ends before it starts", 400, date=h.start.isoformat()
            )
        if h.start.year != year or h.end.year != year:
            raise AppError("validation_error", f"{h.name_en} is not in {year}", 400, date=h.start.isoformat())
        d = h.start
        while d <= h.end:
            holiday_days.add(d)
            d += timedelta(days=1)
    for m in data.makeup:
        if m.day.year != year:
            raise AppError("validation_error", f"{m.name_en} is not in {year}", 400, date=m.day.isoformat())
        if m.day in holiday_days:
            raise AppError(
                "validation_error",
                f"{m.day.isoformat()} is both a holiday and a working day",
                400,
                date=m.day.isoformat(),
            )


def ensure_calendar(session: Session, cf: CalendarFile) -> HolidayCalendar:
    cal = session.scalar(select(HolidayCalendar).where(HolidayCalendar.code == cf.code))
    if cal is None:
        cal = HolidayCalendar(code=cf.code, name_en=cf.name_en, name_zh=cf.name_zh, weekend=cf.weekend)
        session.add(cal)
        session.flush()
    return cal


def publish_year(
    session: Session, actor: Actor, cf: CalendarFile, year: int, source: str, *, notify_people: bool = True
) -> list[Recount]:
    """Replace ``year`` of calendar ``cf.code`` and recount pending applications; returns the recounts."""
    data = cf.years.get(year, YearData())
    _validate(year, data)
    ensure_calendar(session, cf)
    row = session.scalar(
        select(CalendarYear).where(CalendarYear.calendar_code == cf.code, CalendarYear.year == year)
    )
    before = None
    if row is None:
        row = CalendarYear(
            calendar_code=cf.code, year=year, source=source[:400], revision=1, published_by=actor.id
        )
        session.add(row)
    else:
        before = {"source": row.source, "revision": row.revision}
        row.revision += 1
        row.source = source[:400]
        row.published_at = utcnow()
        row.published_by = actor.id
    session.execute(delete(CalendarDay).where(CalendarDay.calendar_code == cf.code, CalendarDay.year == year))
    days: dict[date, CalendarDay] = {}
    for h in data.holidays:
        d = h.start
        while d <= h.end:
            days[d] = CalendarDay(
                calendar_code=cf.code, year=year, date=d, kind="holiday", name_en=h.name_en, name_zh=h.name_zh
            )
            d += timedelta(days=1)
    for m in data.makeup:
        days[m.day] = CalendarDay(
            calendar_code=cf.code,
            year=year,
            date=m.day,
            kind="makeup_workday",
            name_en=m.name_en,
            name_zh=m.name_zh,
        )
    session.add_all(days.values())
    session.flush()
    audit.record(
        session,
        actor,
        "calendar.publish",
        "calendar_year",
        f"{cf.code}/{year}",
        before,
        {
            "source": row.source,
            "revision": row.revision,
            "holidays": sum(d.kind == "holiday" for d in days.values()),
            "makeup_workdays": sum(d.kind == "makeup_workday" for d in days.values()),
        },
    )
    return recount_pending(session, actor, cf.code, year, row.revision, notify_people=notify_people)


def recount_pending(
    session: Session, actor: Actor, code: str, year: int, revision: int, *, notify_people: bool = True
) -> list[Recount]:
    cal = build_db_calendars(session)[code]
    q = (
        select(LeaveApplication, Employee.calendar, Department.calendar, LeaveType.code)
        .join(Employee, LeaveApplication.employee_id == Employee.id)
        .outerjoin(Department, Employee.department_id == Department.id)
        .join(LeaveType, LeaveApplication.leave_type_id == LeaveType.id)
        .where(
            LeaveApplication.status == "open",
            LeaveApplication.from_date <= date(year, 12, 31),
            LeaveApplication.to_date >= date(year, 1, 1),
        )
    )
    out: list[Recount] = []
    for app, emp_cal, dept_cal, lt_code in session.execute(q).all():
        if (emp_cal or dept_cal or "PRC") != code:
            continue
        count = count_leave_days(cal, app.from_date, app.to_date, app.half_day)
        if count.total == app.working_days:
            continue
        snap = audit.snapshot(app)
        old = app.working_days
        app.working_days = count.total
        session.flush()
        audit.record(session, actor, "leave.recount", "leave_application", app.id, snap, audit.snapshot(app))
        out.append(Recount(app.id, app.employee_id, old, count.total))
        if notify_people:
            notify(
                session,
                employee_id=app.employee_id,
                kind="calendar_recount",
                params={
                    "leave_id": app.id,
                    "leave_type": lt_code,
                    "from_date": app.from_date.isoformat(),
                    "to_date": app.to_date.isoformat(),
                    "before": old,
                    "after": count.total,
                    "calendar": code,
                    "year": year,
                    "complete": count.complete,
                },
                dedupe_key=f"calendar_recount:{app.id}:{code}:{year}:{revision}",
            )
    return out


def ensure_shipped(session: Session) -> int:
    """Load the shipped calendars' years that the database does not have yet (never overriding what
    HR published); returns how many years were added. Run on start-up."""
    added = 0
    have = set(session.execute(select(CalendarYear.calendar_code, CalendarYear.year)).all())
    system = Actor(None, "system")
    for path in sorted(HOLIDAY_DIR.glob("*.yaml")):
        cf = parse_yaml(path.read_text(encoding="utf-8"))
        for year in sorted(cf.years):
            if (cf.code, year) in have:
                continue
            publish_year(session, system, cf, year, f"shipped: personnel/app/holidays/{path.name}")
            added += 1
        ensure_calendar(session, cf)
    return added


def status(session: Session, today: date) -> list[dict[str, Any]]:
    """Every calendar with its published years and the years it is missing (this year, next year and
    any year in which someone has leave on it)."""
    rows = session.scalars(select(CalendarYear)).all()
    counts: dict[tuple[str, int, str], int] = {}
    for code, year, kind in session.execute(
        select(CalendarDay.calendar_code, CalendarDay.year, CalendarDay.kind)
    ):
        counts[(code, year, kind)] = counts.get((code, year, kind), 0) + 1
    used: dict[str, set[int]] = {}
    q = (
        select(LeaveApplication.from_date, LeaveApplication.to_date, Employee.calendar, Department.calendar)
        .join(Employee, LeaveApplication.employee_id == Employee.id)
        .outerjoin(Department, Employee.department_id == Department.id)
        .where(
            LeaveApplication.status.in_(("open", "approved")),
            LeaveApplication.to_date >= date(today.year, 1, 1),
        )
    )
    for f, t, ec, dc in session.execute(q):
        used.setdefault(ec or dc or "PRC", set()).update(range(f.year, t.year + 1))
    in_use = {
        ec or dc or "PRC"
        for ec, dc in session.execute(
            select(Employee.calendar, Department.calendar)
            .outerjoin(Department, Employee.department_id == Department.id)
            .distinct()
        )
    }
    out = []
    for cal in session.scalars(select(HolidayCalendar).order_by(HolidayCalendar.code)):
        years = {r.year: r for r in rows if r.calendar_code == cal.code}
        needed = ({today.year, today.year + 1} if cal.code in in_use else set()) | used.get(cal.code, set())
        out.append(
            {
                "code": cal.code,
                "name_en": cal.name_en,
                "name_zh": cal.name_zh,
                "weekend": cal.weekend,
                "in_use": cal.code in in_use,
                "years": [
                    {
                        "year": y,
                        "source": r.source,
                        "revision": r.revision,
                        "published_at": r.published_at.isoformat() if r.published_at else None,
                        "published_by": r.published_by,
                        "holidays": counts.get((cal.code, y, "holiday"), 0),
                        "makeup_workdays": counts.get((cal.code, y, "makeup_workday"), 0),
                    }
                    for y, r in sorted(years.items())
                ],
                "missing": sorted(needed - set(years)),
            }
        )
    return out


def year_data(session: Session, code: str, year: int) -> dict[str, Any]:
    """One year as the admin page edits it: holiday ranges (consecutive days merged) and make-up days."""
    days = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.calendar_code == code, CalendarDay.year == year)
        .order_by(CalendarDay.date)
    ).all()
    holidays: list[dict[str, Any]] = []
    for d in days:
        if d.kind != "holiday":
            continue
        last = holidays[-1] if holidays else None
        if (
            last
            and last["name_en"] == d.name_en
            and date.fromisoformat(last["to"]) + timedelta(days=1) == d.date
        ):
            last["to"] = d.date.isoformat()
        else:
            holidays.append(
                {
                    "from": d.date.isoformat(),
                    "to": d.date.isoformat(),
                    "name_en": d.name_en,
                    "name_zh": d.name_zh,
                }
            )
    makeup = [
        {"date": d.date.isoformat(), "name_en": d.name_en, "name_zh": d.name_zh}
        for d in days
        if d.kind == "makeup_workday"
    ]
    row = session.scalar(
        select(CalendarYear).where(CalendarYear.calendar_code == code, CalendarYear.year == year)
    )
    return {
        "code": code,
        "year": year,
        "published": row is not None,
        "source": row.source if row else None,
        "holidays": holidays,
        "makeup_workdays": makeup,
    }


def from_edit(code: str, name_en: str, name_zh: str, year: int, body: dict[str, Any]) -> CalendarFile:
    """A year as the admin page sends it (same shape as ``year_data``)."""
    try:
        yd = YearData(
            [
                Holiday(
                    _d(h["from"]),
                    _d(h.get("to") or h["from"]),
                    h["name_en"],
                    h.get("name_zh") or h["name_en"],
                )
                for h in body.get("holidays") or []
            ],
            [
                Makeup(_d(m["date"]), m["name_en"], m.get("name_zh") or m["name_en"])
                for m in body.get("makeup_workdays") or []
            ],
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise AppError("validation_error", f"a holiday or working day is incomplete: {exc}", 400) from exc
    return CalendarFile(code, name_en, name_zh, [5, 6], {year: yd})
