"""Training rules: catalogue search, enrolment with waitlist, prerequisites, leave clash, progress.

Enrolling locks the session row (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite),
so simultaneous enrolments cannot overfill it; when a seat frees, the longest-waiting person on
the waitlist is promoted in the same transaction.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from personnel.app.models import Course, Employee, Enrolment, LeaveApplication, TrainingSession
from personnel.app.services import audit, notifications
from personnel.app.services.access import Actor, require_employee, require_hr, require_self_or_hr
from personnel.app.services.errors import AppError, not_found
from personnel.app.services.policy import effective_policy

ACTIVE = ("enrolled", "waitlisted")
# words that say "a course" rather than what it is about, so "data analysis courses" or
# "数据分析课程" match like "data analysis" / "数据分析"
EN_FILLERS = frozenset(
    {
        "course",
        "courses",
        "training",
        "trainings",
        "class",
        "classes",
        "session",
        "sessions",
        "workshop",
        "workshops",
        "about",
        "on",
        "for",
        "the",
        "a",
        "an",
        "in",
        "of",
        "any",
    }
)
ZH_FILLERS = ("相关", "课程", "培训", "的", "课")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def counts(session: Session, session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Enrolled/waitlisted counts per training session."""
    out: dict[int, dict[str, int]] = {sid: {"enrolled": 0, "waitlisted": 0} for sid in session_ids}
    if not session_ids:
        return out
    rows = session.execute(
        select(Enrolment.session_id, Enrolment.status, func.count())
        .where(
            Enrolment.session_id.in_(session_ids),
            Enrolment.status.in_(("enrolled", "waitlisted", "completed")),
        )
        .group_by(Enrolment.session_id, Enrolment.status)
    ).all()
    for sid, status, n in rows:
        key = "waitlisted" if status == "waitlisted" else "enrolled"
        out[sid][key] += n
    return out


def _matches(course: Course, query: str) -> bool:
    hay = " ".join(
        [
            course.code,
            course.title_en,
            course.title_zh,
            course.category,
            " ".join(course.keywords or []),
            course.description_en or "",
            course.description_zh or "",
        ]
    ).lower()
    q = query.strip().lower()
    if not q or q in hay:
        return True
    for word in ZH_FILLERS:
        q = q.replace(word, " ")
    tokens = [t for t in re.split(r"[\s,，、;；/]+", q) if t and t not in EN_FILLERS]
    return all(t in hay for t in tokens)  # only filler words: any course


def search_courses(
    session: Session,
    today: date,
    query: str | None,
    topic: str | None,
    date_from: date | None,
    date_to: date | None,
) -> list[tuple[Course, list[TrainingSession]]]:
    """Courses matching keyword/topic (English or Chinese) with their sessions in the date range.

    Without a range, sessions are the upcoming ones; with a range only courses that have a session
    starting inside it are returned.
    """
    courses = session.scalars(
        select(Course)
        .options(selectinload(Course.sessions), selectinload(Course.prerequisites))
        .order_by(Course.code)
    ).all()
    ranged = date_from is not None or date_to is not None
    lo = date_from or today
    hi = date_to or date.max
    out = []
    for c in courses:
        if query and not _matches(c, query):
            continue
        if topic and not _matches_topic(c, topic):
            continue
        sessions = [s for s in c.sessions if lo <= s.start_date <= hi]
        if ranged and not sessions:
            continue
        out.append((c, sessions))
    return out


def _matches_topic(course: Course, topic: str) -> bool:
    t = topic.strip().lower()
    return (
        t == course.category.lower()
        or any(t == k.lower() for k in course.keywords or [])
        or _matches(course, t)
    )


def get_course(session: Session, course_id: int) -> Course:
    c = session.get(Course, course_id)
    if c is None:
        raise not_found("course", course_id)
    return c


def lock_session(session: Session, session_id: int) -> TrainingSession:
    ts = session.scalar(
        select(TrainingSession)
        .where(TrainingSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ts is None:
        raise not_found("training_session", session_id)
    return ts


def _enrolled_count(session: Session, ts: TrainingSession) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.session_id == ts.id, Enrolment.status.in_(("enrolled", "completed")))
        )
        or 0
    )


def completed_course_ids(session: Session, employee_id: str) -> set[int]:
    return set(
        session.scalars(
            select(TrainingSession.course_id)
            .join(Enrolment, Enrolment.session_id == TrainingSession.id)
            .where(Enrolment.employee_id == employee_id, Enrolment.status == "completed")
        )
    )


def _course_ref(course: Course) -> dict[str, str]:
    """A course as an error detail names it: code and both titles."""
    return {"code": course.code, "title_en": course.title_en, "title_zh": course.title_zh}


def enrol(session: Session, actor: Actor, session_id: int, employee_id: str | None, today: date) -> Enrolment:
    me = require_employee(actor)
    target = employee_id or me.id
    require_self_or_hr(session, actor, target)
    ts = lock_session(session, session_id)
    if today > ts.enrolment_deadline or today >= ts.start_date:
        raise AppError(
            "enrolment_closed",
            f"enrolment for session {ts.id} closed on "
            f"{min(ts.enrolment_deadline, ts.start_date).isoformat()}",
            409,
            deadline=ts.enrolment_deadline.isoformat(),
            start_date=ts.start_date.isoformat(),
        )
    existing = session.scalar(
        select(Enrolment).where(Enrolment.session_id == ts.id, Enrolment.employee_id == target)
    )
    if existing is not None and existing.status != "withdrawn":
        raise AppError(
            "already_enrolled",
            f"already {existing.status} in session {ts.id}",
            409,
            enrolment_id=existing.id,
            status=existing.status,
        )
    course = ts.course
    done = completed_course_ids(session, target)
    missing = [p for p in course.prerequisites if p.id not in done]
    if missing:
        codes = [p.code for p in missing]
        # the courses themselves (code and both titles), so the chat can say which ones to take
        raise AppError(
            "prerequisite_missing",
            f"complete {', '.join(codes)} first",
            409,
            missing=codes,
            missing_courses=[_course_ref(p) for p in missing],
            course=_course_ref(course),
        )
    clash = session.scalar(
        select(LeaveApplication)
        .where(
            LeaveApplication.employee_id == target,
            LeaveApplication.status == "approved",
            LeaveApplication.from_date <= ts.end_date,
            LeaveApplication.to_date >= ts.start_date,
        )
        .limit(1)
    )
    if clash is not None:
        raise AppError(
            "leave_clash",
            f"the session clashes with approved leave {clash.id} "
            f"({clash.from_date.isoformat()} to {clash.to_date.isoformat()})",
            409,
            leave_id=clash.id,
            from_date=clash.from_date.isoformat(),
            to_date=clash.to_date.isoformat(),
        )
    if _enrolled_count(session, ts) < ts.capacity:
        status = "enrolled"
    elif ts.waitlist_enabled:
        status = "waitlisted"
    else:
        raise AppError("session_full", f"session {ts.id} is full", 409, capacity=ts.capacity)
    if existing is not None:
        before = audit.snapshot(existing)
        existing.status, existing.queued_at = status, _now()
        enrolment = existing
    else:
        before = None
        enrolment = Enrolment(session_id=ts.id, employee_id=target, status=status, queued_at=_now())
        session.add(enrolment)
    session.flush()
    audit.record(
        session,
        actor,
        f"training.{'enrol' if status == 'enrolled' else 'waitlist'}",
        "enrolment",
        enrolment.id,
        before,
        audit.snapshot(enrolment),
    )
    return enrolment


def get_enrolment(session: Session, enrolment_id: int) -> Enrolment:
    e = session.get(Enrolment, enrolment_id)
    if e is None:
        raise not_found("enrolment", enrolment_id)
    return e


def withdraw_refusal(actor: Actor, e: Enrolment, today: date) -> AppError | None:
    """Why ``actor`` may not withdraw ``e`` today, or None when they may: the one withdrawal rule
    (enrolled or waitlisted, and the session not started unless HR), used by ``withdraw`` and shown
    on every enrolment read so that the chat offers only what can be withdrawn."""
    if e.status not in ACTIVE:
        return AppError("invalid_state", f"enrolment {e.id} is {e.status}", 409, status=e.status)
    if today >= e.session.start_date and not actor.is_hr_admin:
        return AppError(
            "session_started", "the session has started; ask HR to withdraw you", 409, status=e.status
        )
    return None


def withdraw(session: Session, actor: Actor, enrolment_id: int, today: date) -> Enrolment:
    e = get_enrolment(session, enrolment_id)
    require_self_or_hr(session, actor, e.employee_id)
    ts = lock_session(session, e.session_id)
    session.refresh(e)
    refusal = withdraw_refusal(actor, e, today)
    if refusal is not None:
        raise refusal
    before = audit.snapshot(e)
    freed = e.status == "enrolled"
    e.status = "withdrawn"
    session.flush()
    audit.record(session, actor, "training.withdraw", "enrolment", e.id, before, audit.snapshot(e))
    if freed:
        promote_waitlist(session, actor, ts)
    return e


def promote_waitlist(session: Session, actor: Actor, ts: TrainingSession) -> list[Enrolment]:
    """Fill free seats from the waitlist, first come first served (caller holds the session lock)."""
    promoted = []
    while _enrolled_count(session, ts) < ts.capacity:
        nxt = session.scalar(
            select(Enrolment)
            .where(Enrolment.session_id == ts.id, Enrolment.status == "waitlisted")
            .order_by(Enrolment.queued_at, Enrolment.id)
            .limit(1)
        )
        if nxt is None:
            break
        before = audit.snapshot(nxt)
        nxt.status = "enrolled"
        session.flush()
        audit.record(
            session, actor, "training.promote_from_waitlist", "enrolment", nxt.id, before, audit.snapshot(nxt)
        )
        notifications.waitlist_promoted(session, nxt)
        promoted.append(nxt)
    return promoted


def complete(session: Session, actor: Actor, enrolment_id: int) -> Enrolment:
    require_hr(actor)
    e = get_enrolment(session, enrolment_id)
    if e.status != "enrolled":
        raise AppError("invalid_state", f"enrolment {e.id} is {e.status}, not enrolled", 409, status=e.status)
    before = audit.snapshot(e)
    e.status = "completed"
    session.flush()
    audit.record(session, actor, "training.complete", "enrolment", e.id, before, audit.snapshot(e))
    return e


def waitlist_position(session: Session, e: Enrolment) -> int | None:
    if e.status != "waitlisted":
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.session_id == e.session_id,
            Enrolment.status == "waitlisted",
            (Enrolment.queued_at < e.queued_at)
            | ((Enrolment.queued_at == e.queued_at) & (Enrolment.id < e.id)),
        )
    )
    return (ahead or 0) + 1


def enrolments_of(
    session: Session, employee_id: str, statuses: tuple[str, ...] | None = None
) -> list[Enrolment]:
    q = (
        select(Enrolment)
        .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
        .where(Enrolment.employee_id == employee_id)
        .order_by(TrainingSession.start_date, Enrolment.id)
    )
    if statuses:
        q = q.where(Enrolment.status.in_(statuses))
    return list(session.scalars(q))


def progress(session: Session, emp: Employee, year: int) -> dict[str, object]:
    policy = effective_policy(session, emp)
    completed = planned = 0.0
    done_courses: set[int] = set()
    for e in enrolments_of(session, emp.id, ("enrolled", "completed")):
        ts = e.session
        if ts.end_date.year != year:
            continue
        if e.status == "completed":
            completed += ts.course.hours
            done_courses.add(ts.course_id)
        else:
            planned += ts.course.hours
    mandatory = session.scalars(select(Course).where(Course.mandatory.is_(True)).order_by(Course.code)).all()
    required = float(policy.training_hours_required)
    return {
        "employee_id": emp.id,
        "year": year,
        "required_hours": required,
        "completed_hours": completed,
        "planned_hours": planned,
        "remaining_hours": max(0.0, required - completed),
        "mandatory_outstanding": [c.code for c in mandatory if c.id not in done_courses],
    }


def clashing_enrolments(session: Session, employee_id: str, start: date, end: date) -> list[Enrolment]:
    """Active enrolments whose session overlaps [start, end]: the leave preview warns about them."""
    return list(
        session.scalars(
            select(Enrolment)
            .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
            .where(
                Enrolment.employee_id == employee_id,
                Enrolment.status.in_(ACTIVE),
                TrainingSession.start_date <= end,
                TrainingSession.end_date >= start,
            )
            .order_by(TrainingSession.start_date)
        )
    )
