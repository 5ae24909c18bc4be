"""Training: catalogue, enrolments (with waitlist) and yearly progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from personnel.app import schemas as s
from personnel.app.api import views
from personnel.app.api.deps import ActorDep, IdempotencyKeyDep, SessionDep, TodayDep
from personnel.app.services import access, idempotency
from personnel.app.services import training as svc

router = APIRouter(prefix="/training", tags=["training"])
IntId = Annotated[int, Path(ge=1, le=s.MAX_ID)]


@router.get("/courses", response_model=list[s.CourseOut])
def search_courses(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    q: Annotated[str | None, Query(max_length=200, description="keyword, English or Chinese")] = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[s.CourseOut]:
    found = svc.search_courses(session, today, q, topic, date_from, date_to)
    return [views.course(session, c, sessions, today) for c, sessions in found]


@router.get("/courses/{course_id}", response_model=s.CourseOut)
def get_course(course_id: IntId, actor: ActorDep, session: SessionDep, today: TodayDep) -> s.CourseOut:
    c = svc.get_course(session, course_id)
    return views.course(session, c, [t for t in c.sessions if t.end_date >= today], today)


@router.post(
    "/enrolments", status_code=201, response_model=s.EnrolmentOut, responses={409: {"model": s.ErrorResponse}}
)
def enrol(
    body: s.EnrolmentIn,
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Enrol, or join the waitlist when the session is full (see ``status``)."""

    def create() -> Any:
        e = svc.enrol(session, actor, body.session_id, body.employee_id, today)
        return views.enrolment(session, e).model_dump(mode="json")

    code, result = idempotency.run(
        session, actor, idempotency_key, "POST /training/enrolments", body.model_dump(mode="json"), create
    )
    return JSONResponse(result, status_code=code)


@router.get("/enrolments", response_model=list[s.EnrolmentOut])
def enrolments(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    employee_id: Annotated[str | None, Query(max_length=20)] = None,
) -> list[s.EnrolmentOut]:
    target, _ = access.resolve_target(session, actor, employee_id)
    return [
        views.enrolment(session, e, svc.withdraw_refusal(actor, e, today))
        for e in svc.enrolments_of(session, target)
    ]


@router.post("/enrolments/{enrolment_id}/withdraw", response_model=s.EnrolmentOut)
def withdraw(enrolment_id: IntId, actor: ActorDep, session: SessionDep, today: TodayDep) -> s.EnrolmentOut:
    e = svc.withdraw(session, actor, enrolment_id, today)
    out = views.enrolment(session, e)
    session.commit()
    return out


@router.post("/enrolments/{enrolment_id}/complete", response_model=s.EnrolmentOut)
def complete(enrolment_id: IntId, actor: ActorDep, session: SessionDep) -> s.EnrolmentOut:
    """HR admins: record attendance (counts towards the yearly training hours)."""
    e = svc.complete(session, actor, enrolment_id)
    out = views.enrolment(session, e)
    session.commit()
    return out


@router.get("/progress", response_model=s.TrainingProgressOut)
def progress(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    employee_id: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1950, le=2200)] = None,
) -> s.TrainingProgressOut:
    target, _ = access.resolve_target(session, actor, employee_id)
    return s.TrainingProgressOut.model_validate(
        svc.progress(session, access.get_employee(session, target), year or today.year)
    )
