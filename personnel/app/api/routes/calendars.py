"""Holiday calendars HR maintains: status (published and missing years), one year, edit, import."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from personnel.app.api.deps import ActorDep, SessionDep, TodayDep
from personnel.app.models import HolidayCalendar
from personnel.app.services import access
from personnel.app.services import calendar_publish as pub
from personnel.app.services.errors import AppError

router = APIRouter(prefix="/calendars", tags=["calendars"])
Code = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]
Year = Annotated[int, Path(ge=1950, le=2200)]


class HolidayIn(BaseModel):
    from_: str = Field(alias="from", max_length=10)
    to: str | None = Field(None, max_length=10)
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(None, max_length=200)


class MakeupIn(BaseModel):
    date: str = Field(max_length=10)
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(None, max_length=200)


class YearIn(BaseModel):
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=400)
    makeup_workdays: list[MakeupIn] = Field(default_factory=list, max_length=100)
    source: str = Field("edited on the admin page", max_length=300)
    name_en: str | None = Field(None, max_length=200, description="when creating a calendar")
    name_zh: str | None = Field(None, max_length=200)


def _recounted(items: list[pub.Recount]) -> list[dict[str, Any]]:
    return [
        {"leave_id": r.leave_id, "employee_id": r.employee_id, "before": r.before, "after": r.after}
        for r in items
    ]


@router.get("")
def calendars(actor: ActorDep, session: SessionDep, today: TodayDep) -> list[dict[str, Any]]:
    """Every calendar, its published years (with their source) and the years still missing."""
    access.require_hr(actor)
    return pub.status(session, today)


@router.get("/{code}/{year}")
def calendar_year(code: Code, year: Year, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    access.require_employee(actor)
    return pub.year_data(session, code, year)


@router.put("/{code}/{year}")
def publish(code: Code, year: Year, body: YearIn, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    """Publish (or correct) a year; pending applications in it are recounted and their owners told."""
    access.require_hr(actor)
    cal = session.scalar(select(HolidayCalendar).where(HolidayCalendar.code == code))
    name_en = body.name_en or (cal.name_en if cal else code)
    name_zh = body.name_zh or (cal.name_zh if cal else name_en)
    cf = pub.from_edit(code, name_en, name_zh, year, body.model_dump(by_alias=True))
    if cal is not None:
        cf.weekend = list(cal.weekend)
    recounted = pub.publish_year(session, actor, cf, year, body.source)
    session.commit()
    return {**pub.year_data(session, code, year), "recounted": _recounted(recounted)}


@router.post("/import")
async def import_calendar(
    actor: ActorDep,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="a calendar YAML (shipped format) or iCalendar (.ics)")],
    code: Annotated[str | None, Form(max_length=20, description="calendar code (iCalendar files)")] = None,
    year: Annotated[int | None, Form(ge=1950, le=2200, description="only this year")] = None,
) -> dict[str, Any]:
    """Publish the years of a calendar file, noting the file as their source."""
    access.require_hr(actor)
    data = await file.read()
    name = file.filename or "calendar"
    cf = parse_file(name, data, code)
    years = [year] if year else sorted(cf.years)
    if not years or (year and year not in cf.years):
        raise AppError("validation_error", "the file has no holidays for the year asked", 400)
    out = []
    for y in years:
        out += pub.publish_year(session, actor, cf, y, f"imported from {name}")
    session.commit()
    return {"code": cf.code, "years": years, "recounted": _recounted(out)}


def parse_file(name: str, data: bytes, code: str | None) -> pub.CalendarFile:
    if PurePath(name).suffix.lower() in (".ics", ".ical", ".ifb"):
        if not code:
            raise AppError("validation_error", "an iCalendar file needs the calendar code", 400)
        try:
            return pub.parse_ical(data, code)
        except AppError:
            raise
        except Exception as exc:  # icalendar raises many types on malformed input
            raise AppError("validation_error", f"not an iCalendar file: {type(exc).__name__}", 400) from exc
    try:
        cf = pub.parse_yaml(data.decode("utf-8-sig"))
        if not isinstance(cf.code, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", cf.code):
            raise ValueError("the calendar code must be 1-20 letters, digits, - or _")
    except AppError:
        raise
    except Exception as exc:  # YAML errors, wrong shapes, bad dates
        raise AppError(
            "validation_error", f"not a calendar file: {type(exc).__name__}: {exc}"[:300], 400
        ) from exc
    if code:
        cf.code = code
    return cf
