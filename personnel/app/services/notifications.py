"""Notices to employees, queued in the transactional outbox, and the rules of their delivery.

Callers pass the session of the change that causes the notice, so the notice commits or rolls back
with it. Wording lives with the channels (one message catalogue keyed by ``kind``,
connectors/notify/catalogue.py); here only the kind, its parameters and a dedupe key that makes
"never the same notice twice" a database constraint.

The delivery rules live here too, once: who turned which kind off (opt-out), quiet hours, the daily
cap, and how a notifier instance claims due notices (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
lease so that a crashed instance's notices go back to the pool), records a delivery or backs off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from personnel.app.core.config import Settings
from personnel.app.db import is_postgres
from personnel.app.models import (
    Employee,
    Enrolment,
    LeaveApplication,
    Notification,
    NotificationPreference,
    utcnow,
)
from personnel.app.services import audit
from personnel.app.services.access import Actor, require_employee
from personnel.app.services.errors import AppError


@dataclass(frozen=True)
class Kind:
    """What the rules need to know about a kind of notice."""

    optional: bool = True  # the employee may turn it off ("stop these reminders")
    paced: bool = True  # held during quiet hours and counted against the daily cap


KINDS: dict[str, Kind] = {
    "leave_pending_approval": Kind(),
    "leave_decided": Kind(),
    "waitlist_promoted": Kind(),
    "training_reminder": Kind(),
    "leave_unused_year_end": Kind(),
    "training_hours_short": Kind(),
    "contract_ending": Kind(),
    # a published calendar changed the working days of the employee's own request: always told
    "calendar_recount": Kind(optional=False),
    # an HR reply to the employee's own case: they asked for it, so it is neither optional nor held
    "case_reply": Kind(optional=False, paced=False),
    # HR closed the employee's own case: they asked, so they are told (held in quiet hours)
    "case_resolved": Kind(optional=False),
}


def kind_of(name: str) -> Kind:
    return KINDS.get(name, Kind())


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything in this table is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------- opt-out (one rule)
def is_enabled(session: Session, employee_id: str, kind: str) -> bool:
    """Whether ``employee_id`` still wants notices of ``kind`` (default on; mandatory kinds always)."""
    if not kind_of(kind).optional:
        return True
    enabled = session.scalar(
        select(NotificationPreference.enabled).where(
            NotificationPreference.employee_id == employee_id, NotificationPreference.kind == kind
        )
    )
    return True if enabled is None else bool(enabled)


def preferences(session: Session, employee_id: str) -> dict[str, bool]:
    """Every kind the employee can turn off, with their choice."""
    rows = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.enabled).where(
                NotificationPreference.employee_id == employee_id
            )
        ).all()
    )
    return {k: bool(rows.get(k, True)) for k, spec in KINDS.items() if spec.optional}


def set_preference(session: Session, actor: Actor, kind: str, enabled: bool) -> NotificationPreference:
    """Turn one kind of notice on or off for the acting employee (audited)."""
    me = require_employee(actor)
    if kind not in KINDS:
        raise AppError("unknown_notice_kind", f"no notices of kind {kind!r}", 404, kind=kind)
    if not KINDS[kind].optional:
        raise AppError(
            "notice_kind_required", f"notices of kind {kind!r} cannot be turned off", 409, kind=kind
        )
    pref = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.employee_id == me.id, NotificationPreference.kind == kind
        )
    )
    before = audit.snapshot(pref) if pref else None
    if pref is None:
        pref = NotificationPreference(employee_id=me.id, kind=kind, enabled=enabled)
        session.add(pref)
    else:
        pref.enabled = enabled
    session.flush()
    audit.record(
        session,
        actor,
        "notifications.opt_in" if enabled else "notifications.opt_out",
        "notification_preference",
        pref.id,
        before,
        audit.snapshot(pref),
    )
    return pref


#: the web inbox holds every notice queued for the employee and not skipped, at once: it is read
#: when the widget is opened, so quiet hours and the daily cap (which pace pushes) do not hold it,
#: and a push that failed for good (a blocked bot) does not take it away
_IN_WEB_INBOX = Notification.status.in_(("pending", "sent", "failed"))
#: what the employee has got: pushed, or read in the web inbox
_RECEIVED = or_(Notification.status == "sent", Notification.read_at.is_not(None))


def stop_latest(session: Session, actor: Actor) -> NotificationPreference:
    """ "Stop these reminders": turn off the kind of the latest optional notice the employee got."""
    me = require_employee(actor)
    optional = [k for k, spec in KINDS.items() if spec.optional]
    latest = session.scalar(
        select(Notification.kind)
        .where(
            Notification.employee_id == me.id,
            Notification.kind.in_(optional),
            _RECEIVED,
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(1)
    )
    if latest is None:
        raise AppError("no_notice_to_stop", "you have not received any reminders that can be turned off", 404)
    return set_preference(session, actor, latest, False)


def resume_all(session: Session, actor: Actor) -> list[str]:
    """ "Turn my reminders back on": every kind the acting employee turned off; returns those kinds."""
    me = require_employee(actor)
    off = list(
        session.scalars(
            select(NotificationPreference.kind)
            .where(NotificationPreference.employee_id == me.id, NotificationPreference.enabled.is_(False))
            .order_by(NotificationPreference.kind)
        )
    )
    for kind in off:
        if kind in KINDS:
            set_preference(session, actor, kind, True)
    return [k for k in off if k in KINDS]


# --------------------------------------------------------------------------- queueing
def notify(
    session: Session,
    *,
    employee_id: str,
    kind: str,
    params: dict[str, Any],
    dedupe_key: str,
    not_before: datetime | None = None,
) -> Notification | None:
    """Queue one notice; returns None when a notice with this dedupe key was already queued.

    A kind the employee turned off is recorded as ``skipped`` (so a re-run does not queue it again
    and the outbox shows why nothing was sent). ``params["channel"]`` ("web" or "telegram"), when
    given, is where the employee asked (a case reply goes back there); otherwise every channel
    linked to the employee.
    """
    exists = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists is not None:
        return None
    enabled = is_enabled(session, employee_id, kind)
    notice = Notification(
        employee_id=employee_id,
        kind=kind,
        params=params,
        dedupe_key=dedupe_key,
        status="pending" if enabled else "skipped",
        last_error=None if enabled else "the employee turned this kind of notice off",
        attempts=0,
        next_attempt_at=not_before or utcnow(),
    )
    try:
        with session.begin_nested():  # a concurrent run may queue the same key first
            session.add(notice)
            session.flush()
    except IntegrityError:
        return None
    return notice


def _names(emp: Employee | None) -> dict[str, str]:
    if emp is None:
        return {"name_en": "", "name_zh": ""}
    return {"name_en": emp.name_en, "name_zh": emp.name_zh}


def leave_params(app: LeaveApplication) -> dict[str, Any]:
    """What the catalogue needs to describe a leave application in either language."""
    return {
        "leave_id": app.id,
        "employee_id": app.employee_id,
        "employee": _names(app.employee),
        "leave_type": app.leave_type.code,
        "leave_type_en": app.leave_type.name_en,
        "leave_type_zh": app.leave_type.name_zh,
        "from_date": app.from_date.isoformat(),
        "to_date": app.to_date.isoformat(),
        "working_days": app.working_days,
    }


def leave_submitted(session: Session, app: LeaveApplication) -> None:
    """Tell the approver that a report's request waits for them (in the transaction of the apply)."""
    if app.approver_id and app.approver_id != app.employee_id:
        notify(
            session,
            employee_id=app.approver_id,
            kind="leave_pending_approval",
            params=leave_params(app),
            dedupe_key=f"leave_pending:{app.id}",
        )


def leave_decided(session: Session, app: LeaveApplication, decider: Employee | None) -> None:
    """Tell the employee their request was approved or rejected, with the reason given."""
    notify(
        session,
        employee_id=app.employee_id,
        kind="leave_decided",
        params={
            **leave_params(app),
            "status": app.status,
            "reason": app.decision_reason or "",
            "decided_by": _names(decider),
        },
        dedupe_key=f"leave_decided:{app.id}",
    )


def waitlist_promoted(session: Session, enrolment: Enrolment) -> None:
    """Tell a waitlisted employee a seat freed up and they now have it."""
    ts = enrolment.session
    queued = _aware(enrolment.queued_at)
    notify(
        session,
        employee_id=enrolment.employee_id,
        kind="waitlist_promoted",
        params={
            "enrolment_id": enrolment.id,
            "session_id": ts.id,
            "course_code": ts.course.code,
            "title_en": ts.course.title_en,
            "title_zh": ts.course.title_zh,
            "start_date": ts.start_date.isoformat(),
            "end_date": ts.end_date.isoformat(),
            "place": ts.place,
        },
        dedupe_key=f"waitlist_promoted:{enrolment.id}:{queued.isoformat() if queued else ''}",
    )


# --------------------------------------------------------------------------- pacing
def _parse_quiet(spec: str) -> tuple[time, time] | None:
    spec = spec.strip()
    if not spec:
        return None
    start, _, end = spec.partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError as exc:
        raise ValueError(f"NOTIFY_QUIET_HOURS must look like 22:00-08:00, not {spec!r}") from exc


def quiet_until(now: datetime, settings: Settings) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (UTC), or None when pushing is fine now."""
    window = _parse_quiet(settings.notify_quiet_hours)
    if window is None:
        return None
    start, end = window
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    t = local.time()
    inside = (start <= t < end) if start <= end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(timezone.utc)


def _day_start(now: datetime, settings: Settings) -> datetime:
    tz = ZoneInfo(settings.timezone)
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz).astimezone(timezone.utc)


def _tomorrow_morning(now: datetime, settings: Settings) -> datetime:
    """When the next day's pushes may start: the end of its quiet hours, or midnight."""
    midnight = _day_start(now, settings) + timedelta(days=1)
    return quiet_until(midnight, settings) or midnight


def _sent_today(session: Session, employee_id: str, now: datetime, settings: Settings) -> int:
    paced = [k for k, spec in KINDS.items() if spec.paced]
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.employee_id == employee_id,
                Notification.kind.in_(paced),
                or_(
                    # pushed today (a notice only the web inbox got, or read there, pushed nothing)
                    (Notification.status == "sent")
                    & (Notification.sent_at >= _day_start(now, settings))
                    & (func.coalesce(Notification.channel, "") != "web"),
                    (Notification.status == "pending") & (Notification.claimed_until > now),
                ),
            )
        )
        or 0
    )


# --------------------------------------------------------------------------- claiming and recording
def _due(now: datetime) -> Any:
    return (
        (Notification.status == "pending")
        & (Notification.next_attempt_at <= now)
        & or_(Notification.claimed_until.is_(None), Notification.claimed_until < now)
    )


def has_due(session: Session) -> bool:
    """Whether anything is due: a cheap read, so an idle notifier does not take SQLite's write lock."""
    return session.scalar(select(Notification.id).where(_due(utcnow())).limit(1)) is not None


def claim_due(
    session: Session, *, worker: str, settings: Settings, limit: int = 50, lease_s: float = 60.0
) -> list[Notification]:
    """Lease up to ``limit`` due notices to ``worker`` and commit; returns those to deliver now.

    On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` so instances never take the
    same notice; SQLite serializes writers (BEGIN IMMEDIATE), one instance is the supported setup.
    A notice whose lease lapsed (its instance died) is due again. Kinds turned off since queueing
    become ``skipped``; quiet hours and the daily cap move ``next_attempt_at`` instead of sending.
    """
    now = utcnow()
    q = (
        select(Notification)
        .where(_due(now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if is_postgres(session):
        q = q.with_for_update(skip_locked=True)
    rows = list(session.scalars(q))
    quiet = quiet_until(now, settings)
    counted: dict[str, int] = {}
    out: list[Notification] = []
    for n in rows:
        if n.read_at is not None:
            # already read in the web inbox (during quiet hours, say): pushing it now would tell the
            # person the same thing twice
            n.status, n.sent_at, n.channel, n.claimed_until = "sent", now, "web", None
            continue
        if not is_enabled(session, n.employee_id, n.kind):
            n.status, n.claimed_until = "skipped", None
            n.last_error = "the employee turned this kind of notice off"
            continue
        if kind_of(n.kind).paced:
            if quiet is not None:
                n.next_attempt_at, n.claimed_until = quiet, None
                continue
            cap = settings.notify_daily_cap
            if cap:
                if n.employee_id not in counted:
                    counted[n.employee_id] = _sent_today(session, n.employee_id, now, settings)
                if counted[n.employee_id] >= cap:
                    n.next_attempt_at, n.claimed_until = _tomorrow_morning(now, settings), None
                    continue
                counted[n.employee_id] += 1
        if n.sending_since is not None:
            # the instance that held it died during the channel call: the employee may have it
            # already; delivering again is the choice that loses nothing (at least once)
            n.last_error = f"delivery by {n.claimed_by} was interrupted on the wire; sent again"
        n.sending_since = None
        n.claimed_by = worker
        n.claimed_until = now + timedelta(seconds=lease_s)
        n.attempts = (n.attempts or 0) + 1
        out.append(n)
    session.commit()
    return out


def _leased_by(worker: str) -> Any:
    """Still pending and still leased to ``worker`` (a lapsed lease may have been taken since)."""
    return (Notification.status == "pending") & (Notification.claimed_by == worker)


def mark_sending(session: Session, notice_id: int, *, worker: str) -> bool:
    """Note that the channel call is about to start; False when the lease was lost meanwhile.

    Only a notice with this mark can have reached the employee when its instance dies, so a
    restart re-sends nothing else.
    """
    res = session.execute(
        update(Notification)
        .where(Notification.id == notice_id, _leased_by(worker))
        .values(sending_since=utcnow())
    )
    session.commit()
    return bool(res.rowcount)


def release_unsent(session: Session, notice_ids: Iterable[int], *, worker: str) -> int:
    """Give back leased notices this instance will not send (it is stopping), so another instance
    takes them now rather than when the lease lapses; the attempt is not counted."""
    ids = list(notice_ids)
    if not ids:
        return 0
    res = session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), _leased_by(worker), Notification.sending_since.is_(None))
        .values(claimed_until=None, attempts=Notification.attempts - 1)
    )
    session.commit()
    return res.rowcount or 0


def record_sent(session: Session, notice_id: int, *, worker: str, channels: Iterable[str]) -> bool:
    """Mark a leased notice delivered on ``channels``; False when the lease was lost meanwhile."""
    res = session.execute(
        update(Notification)
        .where(Notification.id == notice_id, _leased_by(worker))
        .values(
            status="sent",
            sent_at=utcnow(),
            channel=",".join(channels)[:30],
            claimed_until=None,
            sending_since=None,
        )
    )
    session.commit()
    return bool(res.rowcount)


def backoff_s(attempts: int, base_s: float = 30.0, cap_s: float = 3600.0) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min, ... 1 h."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def record_failure(
    session: Session,
    notice_id: int,
    *,
    worker: str,
    error: str,
    permanent: bool = False,
    max_attempts: int = 8,
    base_s: float = 30.0,
) -> str:
    """Record a failed delivery: try again later with backoff, or give up; returns the new status."""
    n = session.get(Notification, notice_id, populate_existing=True)
    if n is None or n.status != "pending" or n.claimed_by != worker:
        session.rollback()
        return n.status if n else "missing"
    n.last_error = error[:2000]
    n.claimed_until = n.sending_since = None
    if permanent or n.attempts >= max_attempts:
        n.status = "failed"
    else:
        n.next_attempt_at = utcnow() + timedelta(seconds=backoff_s(n.attempts, base_s))
    status = n.status
    session.commit()
    return status


def release(session: Session, notice_id: int, *, worker: str, until: datetime, reason: str) -> None:
    """Give a leased notice back without counting an attempt (e.g. the channel asked us to wait)."""
    session.execute(
        update(Notification)
        .where(Notification.id == notice_id, _leased_by(worker))
        .values(
            claimed_until=None,
            sending_since=None,
            next_attempt_at=until,
            last_error=reason,
            attempts=Notification.attempts - 1,
        )
    )
    session.commit()


# --------------------------------------------------------------------------- the web inbox
def inbox(
    session: Session, employee_id: str, *, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """One employee's notices, newest first (what the web widget shows; see ``_IN_WEB_INBOX``)."""
    q = (
        select(Notification)
        .where(Notification.employee_id == employee_id, _IN_WEB_INBOX)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return list(session.scalars(q))


def unread_count(session: Session, employee_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.employee_id == employee_id,
                _IN_WEB_INBOX,
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


def mark_read(session: Session, actor: Actor, ids: list[int] | None) -> int:
    """Mark the acting employee's notices read (all when ``ids`` is None); returns how many."""
    me = require_employee(actor)
    q = update(Notification).where(
        Notification.employee_id == me.id, _IN_WEB_INBOX, Notification.read_at.is_(None)
    )
    if ids is not None:
        q = q.where(Notification.id.in_(ids))
    res = session.execute(q.values(read_at=utcnow()))
    return int(res.rowcount or 0)
