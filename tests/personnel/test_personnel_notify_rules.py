"""Notices written with the change that causes them, opt-outs, pacing and the time-based rules
(issue 18), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient
from personnel_testkit import Api, headers, make_settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from personnel.app.db import make_engine
from personnel.app.main import create_app
from personnel.app.models import Notification
from personnel.app.services import notifications as outbox

MON, TUE = "2026-12-07", "2026-12-08"


def notices(url: str, **where: Any) -> list[Notification]:
    engine = make_engine(url, immediate=False)
    try:
        with Session(engine) as s:
            q = select(Notification).order_by(Notification.id)
            for key, value in where.items():
                q = q.where(getattr(Notification, key) == value)
            return list(s.scalars(q))
    finally:
        engine.dispose()


def deliver_all(url: str, today: date = date(2026, 11, 23)) -> list[Notification]:
    """What the notifier does, minus the channels: lease every due notice and record it sent."""
    settings = make_settings(url, today)
    settings.notify_quiet_hours = ""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            batch = outbox.claim_due(s, worker="test", settings=settings, limit=500)
            for n in batch:
                outbox.record_sent(s, n.id, worker="test", channels=["web"])
        return batch
    finally:
        engine.dispose()


def test_leave_waiting_and_decided_notices_commit_with_the_change(api: Api) -> None:
    r = api.post("/leave/applications", json={"leave_type": "annual", "from_date": MON, "to_date": TUE})
    assert r.status_code == 201, r.text
    leave_id = r.json()["id"]
    waiting = notices(api.url, dedupe_key=f"leave_pending:{leave_id}")
    assert [(n.employee_id, n.kind, n.status) for n in waiting] == [
        ("E1002", "leave_pending_approval", "pending")
    ]
    # a refused decision (the applicant deciding their own request) changes nothing and notifies no one
    r = api.post(f"/leave/applications/{leave_id}/decision", emp="E1001", json={"approve": True})
    assert r.status_code == 403
    assert notices(api.url, dedupe_key=f"leave_decided:{leave_id}") == []
    r = api.post(
        f"/leave/applications/{leave_id}/decision",
        emp="E1002",
        json={"approve": False, "reason": "team offsite that week"},
    )
    assert r.status_code == 200, r.text
    decided = notices(api.url, dedupe_key=f"leave_decided:{leave_id}")
    assert len(decided) == 1 and decided[0].employee_id == "E1001"
    assert decided[0].params["status"] == "rejected"
    assert decided[0].params["reason"] == "team offsite that week"


def test_waitlisted_employee_hears_when_a_seat_frees(api: Api) -> None:
    course = next(c for c in api.get("/training/courses?q=SW-101").json() if c["code"] == "SW-101")
    seat = next(s for s in course["sessions"] if s["capacity"] == 1)
    first = api.post("/training/enrolments", json={"session_id": seat["id"]}).json()
    waiting = api.post("/training/enrolments", emp="E1004", json={"session_id": seat["id"]}).json()
    assert waiting["status"] == "waitlisted"
    assert notices(api.url, kind="waitlist_promoted") == []
    api.post(f"/training/enrolments/{first['id']}/withdraw")
    promoted = notices(api.url, kind="waitlist_promoted")
    assert [(n.employee_id, n.params["session_id"]) for n in promoted] == [("E1004", seat["id"])]


def test_stop_these_reminders_turns_off_the_latest_kind(api: Api) -> None:
    # nothing received yet: nothing to stop, and nothing changes
    r = api.post("/notifications/stop-latest")
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_notice_to_stop"
    leave_id = api.post(
        "/leave/applications", json={"leave_type": "annual", "from_date": MON, "to_date": MON}
    ).json()["id"]
    api.post(f"/leave/applications/{leave_id}/decision", emp="E1002", json={"approve": True})
    deliver_all(api.url)
    inbox = api.get("/notifications").json()
    assert inbox["unread"] == 1 and inbox["notices"][0]["kind"] == "leave_decided"
    assert inbox["notices"][0]["optional"] is True
    r = api.post("/notifications/stop-latest")
    assert r.status_code == 200 and r.json() == {"kind": "leave_decided", "enabled": False}
    prefs = {p["kind"]: p["enabled"] for p in api.get("/notifications/preferences").json()}
    assert prefs["leave_decided"] is False and prefs["training_reminder"] is True
    # the next decision is recorded but not sent
    second = api.post(
        "/leave/applications", json={"leave_type": "annual", "from_date": TUE, "to_date": TUE}
    ).json()["id"]
    api.post(f"/leave/applications/{second}/decision", emp="E1002", json={"approve": True})
    (n,) = notices(api.url, dedupe_key=f"leave_decided:{second}")
    assert n.status == "skipped"
    assert [n.kind for n in deliver_all(api.url)] == ["leave_pending_approval"]  # the manager's
    # audited, and reversible
    audit = api.get("/audit?entity=notification_preference", emp="E1003").json()
    assert audit and audit[0]["action"] == "notifications.opt_out" and audit[0]["actor_id"] == "E1001"
    r = api.client.put(
        "/notifications/preferences/leave_decided", headers=headers("E1001"), json={"enabled": True}
    )
    assert r.status_code == 200 and r.json()["enabled"] is True
    # "turn my reminders back on": every kind that was off, and nothing when none is
    api.client.put(
        "/notifications/preferences/training_reminder", headers=headers("E1001"), json={"enabled": False}
    )
    assert api.post("/notifications/resume").json() == [{"kind": "training_reminder", "enabled": True}]
    assert api.post("/notifications/resume").json() == []
    assert all(p["enabled"] for p in api.get("/notifications/preferences").json())
    # an HR reply to the employee's own case cannot be turned off; unknown kinds are refused
    r = api.client.put(
        "/notifications/preferences/case_reply", headers=headers("E1001"), json={"enabled": False}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "notice_kind_required"
    r = api.client.put("/notifications/preferences/nope", headers=headers("E1001"), json={"enabled": False})
    assert r.status_code == 404


def test_reading_notices_clears_the_badge_and_only_ones_own(api: Api) -> None:
    leave_id = api.post(
        "/leave/applications", json={"leave_type": "annual", "from_date": MON, "to_date": MON}
    ).json()["id"]
    api.post(f"/leave/applications/{leave_id}/decision", emp="E1002", json={"approve": True})
    deliver_all(api.url)
    mine = api.get("/notifications").json()
    assert mine["unread"] == 1
    # the manager's inbox holds the "waiting for you" notice, not the employee's decision
    assert [n["kind"] for n in api.get("/notifications", emp="E1002").json()["notices"]] == [
        "leave_pending_approval"
    ]
    # marking someone else's notice read does nothing
    assert api.post("/notifications/read", emp="E1002", json={"ids": [mine["notices"][0]["id"]]}).json() == {
        "marked": 0
    }
    assert api.post("/notifications/read", json={}).json() == {"marked": 1}
    assert api.get("/notifications").json()["unread"] == 0


def test_quiet_hours_and_daily_cap_hold_notices_back(api: Api) -> None:
    engine = make_engine(api.url)
    settings = make_settings(api.url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            for i in range(4):
                outbox.notify(
                    s, employee_id="E1001", kind="training_reminder", params={"i": i}, dedupe_key=f"q{i}"
                )
            outbox.notify(s, employee_id="E1001", kind="case_reply", params={"case_id": 1}, dedupe_key="cr")
            s.commit()
            # 23:30 in Shanghai is inside the default 22:00-08:00 quiet hours
            night = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)
            until = outbox.quiet_until(night, settings)
            assert until == datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)  # 08:00 local
            assert outbox.quiet_until(night + timedelta(hours=9), settings) is None
            settings.notify_quiet_hours = ""
            settings.notify_daily_cap = 2
            batch = outbox.claim_due(s, worker="w", settings=settings)
            # two reminders within the cap, and the HR reply, which is never held
            assert sorted(n.kind for n in batch) == ["case_reply", "training_reminder", "training_reminder"]
            for n in batch:
                outbox.record_sent(s, n.id, worker="w", channels=["web", "telegram"])
            held = notices(api.url, kind="training_reminder", status="pending")
            assert len(held) == 2 and all(
                outbox._aware(n.next_attempt_at) > datetime.now(timezone.utc) for n in held
            )
            assert outbox.claim_due(s, worker="w", settings=settings) == []
            # the cap counts pushes: two notices only the web inbox got do not use up E1002's two
            for i in range(4):
                outbox.notify(
                    s, employee_id="E1002", kind="training_reminder", params={"i": i}, dedupe_key=f"w{i}"
                )
                s.commit()
                (n,) = outbox.claim_due(s, worker="w", settings=settings)
                outbox.record_sent(s, n.id, worker="w", channels=["web"] if i < 2 else ["web", "telegram"])
            outbox.notify(s, employee_id="E1002", kind="training_reminder", params={"i": 4}, dedupe_key="w4")
            s.commit()
            assert outbox.claim_due(s, worker="w", settings=settings) == []  # two pushed: that is the cap
    finally:
        engine.dispose()


def test_year_end_rule_notifies_unused_leave_once_and_no_one_else(db_url: str) -> None:
    dec1 = date(2026, 12, 1)
    settings = make_settings(db_url, dec1)
    with TestClient(create_app(settings)) as client:
        hr = headers("E1003")
        employees = [e["id"] for e in client.get("/employees", headers=hr).json() if e["status"] != "left"]
        unused = set()
        for emp in employees:
            balances = client.get(f"/leave/balances?employee_id={emp}", headers=hr).json()
            if any(b["leave_type"] == "annual" and b["balance"] > 0 for b in balances):
                unused.add(emp)
        assert unused and len(unused) < len(employees) + 1
        first = client.post("/notifications/rules/run", headers=hr)
        assert first.status_code == 200, first.text
        assert first.json()["queued"]["leave_unused_year_end"] == len(unused)
        got = notices(db_url, kind="leave_unused_year_end")
        assert {n.employee_id for n in got} == unused and len(got) == len(unused)
        some = got[0]
        assert some.params["days_left"] > 0 and some.params["deadline"] == "2026-12-31"
        second = client.post("/notifications/rules/run", headers=hr).json()
        assert set(second["queued"].values()) == {0}
        assert len(notices(db_url, kind="leave_unused_year_end")) == len(unused)
        # only HR runs the rules by hand
        assert client.post("/notifications/rules/run", headers=headers("E1001")).status_code == 403


def test_before_the_year_end_window_no_unused_leave_notice(db_url: str) -> None:
    with TestClient(create_app(make_settings(db_url, date(2026, 11, 23)))) as client:
        r = client.post("/notifications/rules/run", headers=headers("E1003")).json()
        assert r["queued"]["leave_unused_year_end"] == 0 and r["queued"]["training_hours_short"] == 0


def _run_rules(db_url: str, today: date) -> dict[str, int]:
    with TestClient(create_app(make_settings(db_url, today))) as client:
        r = client.post("/notifications/rules/run", headers=headers("E1003"))
        assert r.status_code == 200, r.text
        return r.json()["queued"]


def test_the_day_before_a_session_everyone_enrolled_is_reminded_once(db_url: str) -> None:
    from personnel.app.models import Enrolment, TrainingSession

    engine = make_engine(db_url, immediate=False)
    with Session(engine) as s:
        first = s.scalar(
            select(func.min(TrainingSession.start_date))
            .join(Enrolment, Enrolment.session_id == TrainingSession.id)
            .where(Enrolment.status == "enrolled", TrainingSession.start_date > date(2026, 11, 23))
        )
        assert first is not None
        enrolled = set(
            s.scalars(
                select(Enrolment.employee_id)
                .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
                .where(TrainingSession.start_date == first, Enrolment.status == "enrolled")
            )
        )
        waitlisted_or_gone = set(
            s.scalars(
                select(Enrolment.employee_id)
                .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
                .where(TrainingSession.start_date == first, Enrolment.status != "enrolled")
            )
        )
    engine.dispose()
    eve = first - timedelta(days=1)
    assert _run_rules(db_url, eve - timedelta(days=1))["training_reminder"] == 0  # two days before
    assert _run_rules(db_url, eve)["training_reminder"] == len(enrolled)
    got = notices(db_url, kind="training_reminder")
    assert {n.employee_id for n in got} == enrolled and not (
        {n.employee_id for n in got} & waitlisted_or_gone
    )
    assert all(n.params["start_date"] == first.isoformat() for n in got)
    assert _run_rules(db_url, eve)["training_reminder"] == 0


def test_hr_hears_of_contracts_ending_within_the_horizon(db_url: str) -> None:
    from personnel.app.models import Employee

    today = date(2027, 1, 15)
    engine = make_engine(db_url, immediate=False)
    with Session(engine) as s:
        ending = set(
            s.scalars(
                select(Employee.id).where(
                    Employee.contract_end >= today,
                    Employee.contract_end <= today + timedelta(days=60),
                    Employee.status != "left",
                )
            )
        )
        hr = set(s.scalars(select(Employee.id).where(Employee.is_hr_admin.is_(True))))
    engine.dispose()
    assert ending and hr
    assert _run_rules(db_url, date(2026, 11, 23))["contract_ending"] == 0  # still months away
    assert _run_rules(db_url, today)["contract_ending"] == len(ending) * len(hr)
    got = notices(db_url, kind="contract_ending")
    assert {(n.employee_id, n.params["employee_id"]) for n in got} == {(a, e) for a in hr for e in ending}
    assert _run_rules(db_url, today + timedelta(days=1))["contract_ending"] == 0


def test_the_web_inbox_does_not_wait_for_quiet_hours_and_what_was_read_there_is_not_pushed(api: Api) -> None:
    """Quiet hours pace pushes (Telegram buzzing at night); the widget is only read when opened, so
    a notice is there at once. Read there, the morning run records it and pushes nothing."""
    leave_id = api.post(
        "/leave/applications", json={"leave_type": "annual", "from_date": MON, "to_date": MON}
    ).json()["id"]
    api.post(f"/leave/applications/{leave_id}/decision", emp="E1002", json={"approve": True})
    settings = make_settings(api.url, date(2026, 11, 23))
    settings.notify_quiet_hours = "00:00-23:59"  # now is always (almost) inside: a night shift's day
    engine = make_engine(api.url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            assert outbox.claim_due(s, worker="w", settings=settings, limit=500) == []  # all held
        (held,) = notices(api.url, dedupe_key=f"leave_decided:{leave_id}")
        assert held.status == "pending"
        inbox = api.get("/notifications").json()
        assert inbox["unread"] == 1 and inbox["notices"][0]["id"] == held.id
        assert api.post("/notifications/read", json={"ids": [held.id]}).json() == {"marked": 1}
        # morning: quiet hours over, the held notices are due again
        with Session(engine) as s:
            s.execute(Notification.__table__.update().values(next_attempt_at=datetime.now(timezone.utc)))
            s.commit()
        settings.notify_quiet_hours = ""
        with Session(engine, expire_on_commit=False) as s:
            pushed = outbox.claim_due(s, worker="w", settings=settings, limit=500)
        assert [n.kind for n in pushed] == ["leave_pending_approval"]  # the manager's, never read
        (done,) = notices(api.url, dedupe_key=f"leave_decided:{leave_id}")
        assert done.status == "sent" and done.channel == "web"
        # "stop these reminders" knows the notice read in the widget as the latest one received
        r = api.post("/notifications/stop-latest")
        assert r.status_code == 200 and r.json() == {"kind": "leave_decided", "enabled": False}
    finally:
        engine.dispose()
