"""HR cases: a conversation handed over to a person in HR (anonymous allowed), and the HR desk.

States: ``open`` (nobody has taken it) -> ``in_progress`` (an HR admin took it or replied) ->
``waiting_employee`` (HR asked for information) -> ``resolved``; ``reopen`` brings a resolved case
back. The thread holds HR replies and questions (queued to the employee through the outbox in the
same transaction), the employee's answers and HR's internal notes (never shown to the employee).
Every action writes an audit row. Only HR admins work the desk; an employee sees and answers their
own cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from personnel.app import schemas as s
from personnel.app.models import CaseMessage, Employee, HRCase, utcnow
from personnel.app.schemas import CaseIn, CaseUpdateIn
from personnel.app.services import audit
from personnel.app.services.access import Actor, require_employee, require_hr
from personnel.app.services.errors import AppError, not_found
from personnel.app.services.notifications import notify
from personnel.sensitive import mask_free_text

ACTIVE = ("open", "in_progress", "waiting_employee")
TO_EMPLOYEE = ("reply", "request_info")
HR_KINDS = ("reply", "request_info", "note")

# --- masking ------------------------------------------------------------------------------------
# Personal data the employee typed or the bot showed is masked before a transcript or an answer is
# stored, by the project's one list of free-text rules.


def mask_transcript(text: str) -> str:
    """The text with personal data replaced by a label saying what was there."""
    return mask_free_text(text)


# --- creating and reading ----------------------------------------------------------------------


def create(session: Session, actor: Actor, body: CaseIn) -> HRCase:
    case = HRCase(
        subject=mask_transcript(body.subject),
        transcript=mask_transcript(body.transcript),
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


def _person(emp: Employee | None) -> s.PersonRef | None:
    return s.PersonRef(id=emp.id, name_en=emp.name_en, name_zh=emp.name_zh) if emp else None


@dataclass
class _ThreadStats:
    """What an inbox row needs from a thread, without loading the messages."""

    count: int = 0
    last_at: datetime | None = None
    last_visible_kind: str | None = None  # kind of the newest message that is not a note


def _stats(messages: list[CaseMessage]) -> _ThreadStats:
    visible = [m for m in messages if m.kind != "note"]
    return _ThreadStats(
        count=len(messages),
        last_at=messages[-1].created_at if messages else None,
        last_visible_kind=visible[-1].kind if visible else None,
    )


def _stats_of(session: Session, case_ids: list[int]) -> dict[int, _ThreadStats]:
    """Thread statistics of many cases in two grouped queries (the inbox lists up to 500)."""
    out = {cid: _ThreadStats() for cid in case_ids}
    if not case_ids:
        return out
    rows = session.execute(
        select(CaseMessage.case_id, func.count(), func.max(CaseMessage.created_at))
        .where(CaseMessage.case_id.in_(case_ids))
        .group_by(CaseMessage.case_id)
    )
    for cid, count, last_at in rows:
        out[cid].count, out[cid].last_at = count, last_at
    newest = (
        select(func.max(CaseMessage.id))
        .where(CaseMessage.case_id.in_(case_ids), CaseMessage.kind != "note")
        .group_by(CaseMessage.case_id)
    )
    for cid, kind in session.execute(
        select(CaseMessage.case_id, CaseMessage.kind).where(CaseMessage.id.in_(newest))
    ):
        out[cid].last_visible_kind = kind
    return out


def _summary_fields(session: Session, case: HRCase, stats: _ThreadStats) -> dict[str, object]:
    return {
        "id": case.id,
        "subject": case.subject,
        "status": case.status,
        "channel": case.channel,
        "language": case.language,
        "employee": _person(session.get(Employee, case.employee_id) if case.employee_id else None),
        "assignee": _person(session.get(Employee, case.assignee_id) if case.assignee_id else None),
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "resolved_at": case.resolved_at,
        "messages": stats.count,
        "last_message_at": stats.last_at,
        "needs_reply": case.status != "resolved" and stats.last_visible_kind in (None, "answer"),
    }


def detail(session: Session, actor: Actor, case_id: int) -> s.CaseDetailOut:
    """A case with its transcript and whole thread (notes included): HR admins only."""
    require_hr(actor)
    case = get(session, actor, case_id)
    return s.CaseDetailOut.model_validate(
        {
            **_summary_fields(session, case, _stats(case.messages)),
            "transcript": case.transcript,
            "thread": [s.CaseMessageOut.model_validate(m) for m in case.messages],
        }
    )


def _search(q: Select[tuple[HRCase]], text: str) -> Select[tuple[HRCase]]:
    text = text.strip()
    number = text.lstrip("#")
    if number.isdigit() and len(number) < 10:
        return q.where(HRCase.id == int(number))
    # the words are matched literally: % and _ typed by HR are not wildcards
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def match(col: Any) -> Any:
        return col.ilike(like, escape="\\")

    in_thread = exists().where(CaseMessage.case_id == HRCase.id, match(CaseMessage.body))
    named = or_(match(Employee.id), match(Employee.name_en), match(Employee.name_zh))
    people = select(Employee.id).where(named)
    return q.where(
        or_(match(HRCase.subject), match(HRCase.transcript), in_thread, HRCase.employee_id.in_(people))
    )


def desk(
    session: Session, actor: Actor, view: s.CaseView = "open", q: str | None = None, limit: int = 200
) -> list[s.CaseSummaryOut]:
    """The HR inbox: ``open`` (not resolved), ``mine`` (assigned to me), ``unassigned``,
    ``waiting`` (on the employee), ``resolved`` or ``all``; optionally searched. Newest activity first."""
    me = require_hr(actor)
    query = select(HRCase)
    if view in ("open", "mine", "unassigned"):
        query = query.where(HRCase.status.in_(ACTIVE))
    if view == "mine":
        query = query.where(HRCase.assignee_id == me.id)
    elif view == "unassigned":
        query = query.where(HRCase.assignee_id.is_(None))
    elif view == "waiting":
        query = query.where(HRCase.status == "waiting_employee")
    elif view == "resolved":
        query = query.where(HRCase.status == "resolved")
    if q and q.strip():
        query = _search(query, q)
    query = query.order_by(HRCase.updated_at.desc(), HRCase.id.desc()).limit(limit)
    cases = list(session.scalars(query))
    people = {c.employee_id for c in cases} | {c.assignee_id for c in cases}
    session.scalars(select(Employee).where(Employee.id.in_(people - {None}))).all()  # one query, then cached
    stats = _stats_of(session, [c.id for c in cases])
    return [s.CaseSummaryOut.model_validate(_summary_fields(session, c, stats[c.id])) for c in cases]


# --- HR actions ----------------------------------------------------------------------------------


def _touch(case: HRCase) -> None:
    case.updated_at = utcnow()


def _desk_case(session: Session, actor: Actor, case_id: int) -> tuple[Employee, HRCase]:
    me = require_hr(actor)
    return me, get(session, actor, case_id)


def take(session: Session, actor: Actor, case_id: int) -> HRCase:
    """Assign the case to me (also from a colleague); an open case becomes in progress."""
    me, case = _desk_case(session, actor, case_id)
    if case.status == "resolved":
        raise AppError("case_resolved", "this case is resolved; reopen it first", 409, case_id=case.id)
    before = audit.snapshot(case)
    case.assignee_id = me.id
    if case.status == "open":
        case.status = "in_progress"
    _touch(case)
    session.flush()
    audit.record(session, actor, "case.take", "hr_case", case.id, before, audit.snapshot(case))
    return case


def add_message(session: Session, actor: Actor, case_id: int, body: s.CaseMessageIn) -> CaseMessage:
    """HR writes (reply, request_info, note) or the case's employee answers.

    A reply or a question to the employee is queued as a ``case_reply`` notice in the same
    transaction; a reply to an unassigned case takes it; an answer to a resolved case reopens it.
    """
    me = require_employee(actor)
    case = get(session, actor, case_id)
    own = case.employee_id == me.id
    kind = body.kind or ("answer" if own else "reply")
    if kind == "answer":
        if not own:
            raise AppError("forbidden", "only the employee who asked may answer on a case", 403)
        return _answer(session, actor, case, body.text)
    require_hr(actor)
    if kind in TO_EMPLOYEE:
        if case.employee_id is None:
            raise AppError(
                "anonymous_case",
                "the person was not signed in, so a reply cannot reach them; add a note instead",
                409,
                case_id=case.id,
            )
        if case.status == "resolved":
            raise AppError("case_resolved", "this case is resolved; reopen it first", 409, case_id=case.id)
    before = audit.snapshot(case)
    msg = CaseMessage(case=case, author_id=me.id, kind=kind, body=body.text, channel=actor.channel)
    session.add(msg)
    if kind in TO_EMPLOYEE:
        if case.assignee_id is None:
            case.assignee_id = me.id
        case.status = "waiting_employee" if kind == "request_info" else "in_progress"
    _touch(case)
    session.flush()
    if kind in TO_EMPLOYEE and case.employee_id:
        notify(
            session,
            employee_id=case.employee_id,
            kind="case_reply",
            params={
                "case_id": case.id,
                "message_id": msg.id,
                "text": msg.body,
                "ask": kind == "request_info",
                "subject": case.subject,
                "lang": case.language,
            },
            dedupe_key=f"case_reply:{msg.id}",
        )
    audit.record(session, actor, f"case.{kind}", "case_message", msg.id, None, audit.snapshot(msg))
    if (before["status"], before["assignee_id"]) != (case.status, case.assignee_id):
        audit.record(session, actor, "case.update", "hr_case", case.id, before, audit.snapshot(case))
    return msg


def _answer(session: Session, actor: Actor, case: HRCase, text: str) -> CaseMessage:
    before = audit.snapshot(case)
    msg = CaseMessage(
        case=case, author_id=actor.id, kind="answer", body=mask_transcript(text), channel=actor.channel
    )
    session.add(msg)
    if case.status in ("waiting_employee", "resolved"):
        case.status = "in_progress" if case.assignee_id else "open"
        case.resolved_at = None
    _touch(case)
    session.flush()
    audit.record(session, actor, "case.answer", "case_message", msg.id, None, audit.snapshot(msg))
    if before["status"] != case.status:
        audit.record(session, actor, "case.update", "hr_case", case.id, before, audit.snapshot(case))
    return msg


def resolve(session: Session, actor: Actor, case_id: int) -> HRCase:
    _, case = _desk_case(session, actor, case_id)
    if case.status == "resolved":
        raise AppError("already_resolved", "this case is already resolved", 409, case_id=case.id)
    before = audit.snapshot(case)
    case.status = "resolved"
    case.resolved_at = utcnow()
    _touch(case)
    session.flush()
    _tell_resolved(session, case)
    audit.record(session, actor, "case.resolve", "hr_case", case.id, before, audit.snapshot(case))
    return case


def _tell_resolved(session: Session, case: HRCase) -> None:
    """The employee who asked hears that HR closed the case (once per resolution), in the outbox of
    the same transaction; an anonymous case has no one to tell."""
    if case.employee_id is None or case.resolved_at is None:
        return
    notify(
        session,
        employee_id=case.employee_id,
        kind="case_resolved",
        params={"case_id": case.id, "subject": case.subject, "lang": case.language},
        dedupe_key=f"case_resolved:{case.id}:{case.resolved_at.isoformat()}",
    )


def reopen(session: Session, actor: Actor, case_id: int) -> HRCase:
    _, case = _desk_case(session, actor, case_id)
    if case.status != "resolved":
        raise AppError("not_resolved", "only a resolved case can be reopened", 409, case_id=case.id)
    before = audit.snapshot(case)
    case.status = "in_progress" if case.assignee_id else "open"
    case.resolved_at = None
    _touch(case)
    session.flush()
    audit.record(session, actor, "case.reopen", "hr_case", case.id, before, audit.snapshot(case))
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
    resolving = body.status == "resolved" and case.status != "resolved"
    if body.status is not None:
        case.status = body.status
        case.resolved_at = utcnow() if body.status == "resolved" else None
    _touch(case)
    session.flush()
    if resolving:
        _tell_resolved(session, case)
    audit.record(session, actor, "case.update", "hr_case", case.id, before, audit.snapshot(case))
    return case


# --- the employee's side -------------------------------------------------------------------------


def _my_cases_query(me: Employee) -> Select[tuple[HRCase]]:
    return select(HRCase).where(HRCase.employee_id == me.id)


def mine(session: Session, actor: Actor, limit: int = 20) -> list[s.MyCaseOut]:
    """The employee's own recent cases with HR's messages and answers (no notes), newest first."""
    me = require_employee(actor)
    query = (
        _my_cases_query(me)
        .options(selectinload(HRCase.messages))
        .order_by(HRCase.updated_at.desc(), HRCase.id.desc())
        .limit(limit)
    )
    out = []
    for case in session.scalars(query):
        thread = [m for m in case.messages if m.kind != "note"]
        out.append(
            s.MyCaseOut(
                id=case.id,
                subject=case.subject,
                status=case.status,
                language=case.language,
                created_at=case.created_at,
                updated_at=case.updated_at,
                unread=sum(1 for m in thread if m.kind in TO_EMPLOYEE and m.read_at is None),
                awaiting_answer=case.status == "waiting_employee",
                thread=[s.CaseMessageOut.model_validate(m) for m in thread],
            )
        )
    return out


def pulse(session: Session, actor: Actor) -> s.MyCasesPulseOut:
    """Latest HR message id and unread count over the employee's cases (polled for live updates)."""
    me = require_employee(actor)
    mine_ids = select(HRCase.id).where(HRCase.employee_id == me.id)
    to_me = (CaseMessage.case_id.in_(mine_ids), CaseMessage.kind.in_(TO_EMPLOYEE))
    latest = session.scalar(select(func.max(CaseMessage.id)).where(*to_me)) or 0
    unread = session.scalar(select(func.count()).where(*to_me, CaseMessage.read_at.is_(None))) or 0
    return s.MyCasesPulseOut(latest_message_id=latest, unread=unread)


def mark_read(session: Session, actor: Actor, case_id: int, now: datetime | None = None) -> int:
    """The employee has seen HR's messages on their case; returns how many were newly read."""
    me = require_employee(actor)
    case = get(session, actor, case_id)
    if case.employee_id != me.id:
        raise AppError("forbidden", "only the employee who asked reads their case's replies", 403)
    fresh = [m for m in case.messages if m.kind in TO_EMPLOYEE and m.read_at is None]
    for m in fresh:
        m.read_at = now or utcnow()
    if fresh:
        session.flush()
        audit.record(
            session, actor, "case.read", "hr_case", case.id, None, {"read_message_ids": [m.id for m in fresh]}
        )
    return len(fresh)
