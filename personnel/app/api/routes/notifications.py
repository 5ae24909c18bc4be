"""Notices: the web inbox of the acting employee, their opt-outs, and the time-based rules run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from personnel.app import schemas as s
from personnel.app.api.deps import ActorDep, SessionDep, TodayDep, get_settings
from personnel.app.core.config import Settings
from personnel.app.services import access, reminders
from personnel.app.services import notifications as svc

router = APIRouter(prefix="/notifications", tags=["notifications"])
Kind = Annotated[str, Path(max_length=60, pattern=r"^[a-z_]+$")]


@router.get("", response_model=s.NoticeInboxOut)
def inbox(
    actor: ActorDep,
    session: SessionDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> s.NoticeInboxOut:
    """The acting employee's delivered notices, newest first, and how many are unread."""
    me = access.require_employee(actor)
    notices = [
        s.NoticeOut(
            id=n.id,
            kind=n.kind,
            params=n.params,
            optional=svc.kind_of(n.kind).optional,
            language=me.preferred_language,  # type: ignore[arg-type]
            sent_at=n.sent_at,
            read_at=n.read_at,
            channel=n.channel,
        )
        for n in svc.inbox(session, me.id, unread_only=unread, limit=limit)
    ]
    return s.NoticeInboxOut(unread=svc.unread_count(session, me.id), notices=notices)


@router.post("/read")
def mark_read(body: s.NoticeReadIn, actor: ActorDep, session: SessionDep) -> dict[str, int]:
    """Mark the acting employee's notices read (the widget's badge goes down)."""
    n = svc.mark_read(session, actor, body.ids)
    session.commit()
    return {"marked": n}


@router.get("/preferences", response_model=list[s.NoticePreferenceOut])
def preferences(actor: ActorDep, session: SessionDep) -> list[s.NoticePreferenceOut]:
    me = access.require_employee(actor)
    return [s.NoticePreferenceOut(kind=k, enabled=v) for k, v in svc.preferences(session, me.id).items()]


@router.put("/preferences/{kind}", response_model=s.NoticePreferenceOut)
def set_preference(
    kind: Kind, body: s.NoticePreferenceIn, actor: ActorDep, session: SessionDep
) -> s.NoticePreferenceOut:
    """Turn one kind of notice on or off for the acting employee."""
    pref = svc.set_preference(session, actor, kind, body.enabled)
    session.commit()
    return s.NoticePreferenceOut(kind=pref.kind, enabled=pref.enabled)


@router.post("/stop-latest", response_model=s.NoticePreferenceOut)
def stop_latest(actor: ActorDep, session: SessionDep) -> s.NoticePreferenceOut:
    """ "Stop these reminders": turn off the kind of the latest notice the employee received."""
    pref = svc.stop_latest(session, actor)
    session.commit()
    return s.NoticePreferenceOut(kind=pref.kind, enabled=pref.enabled)


@router.post("/resume", response_model=list[s.NoticePreferenceOut])
def resume(actor: ActorDep, session: SessionDep) -> list[s.NoticePreferenceOut]:
    """ "Turn my reminders back on": every kind the acting employee turned off (empty: none were)."""
    kinds = svc.resume_all(session, actor)
    session.commit()
    return [s.NoticePreferenceOut(kind=k, enabled=True) for k in kinds]


@router.post("/rules/run", response_model=s.NoticeRulesOut)
def run_rules(
    actor: ActorDep,
    session: SessionDep,
    today: TodayDep,
    settings: Annotated[Settings, Depends(get_settings)],
) -> s.NoticeRulesOut:
    """HR admins: run the time-based rules now (the notifier runs them on its schedule)."""
    access.require_hr(actor)
    counts = reminders.run_rules(session, today, settings)
    return s.NoticeRulesOut(today=today, queued=counts)
