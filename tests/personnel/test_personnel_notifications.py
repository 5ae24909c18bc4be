"""The notifications outbox: a notice commits with the change that causes it, and only once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from personnel.app.db import make_engine, migrate
from personnel.app.models import Employee, Notification
from personnel.app.services.notifications import notify


def _employee(session: Session) -> str:
    return session.scalars(select(Employee.id).order_by(Employee.id).limit(1)).one()


def test_notice_is_queued_once_and_rolls_back_with_its_change(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine) as session:
        emp = _employee(session)
        session.commit()
        before = session.scalar(select(func.count()).select_from(Notification))

        first = notify(session, employee_id=emp, kind="leave_decided", params={"id": 1}, dedupe_key="t-1")
        again = notify(session, employee_id=emp, kind="leave_decided", params={"id": 1}, dedupe_key="t-1")
        assert first is not None and first.status == "pending"
        assert again is None
        session.commit()

        notify(session, employee_id=emp, kind="leave_decided", params={"id": 2}, dedupe_key="t-rolled-back")
        session.rollback()  # the change failed: its notice must not be delivered
        after = session.scalar(select(func.count()).select_from(Notification))
        assert after == before + 1
    engine.dispose()
