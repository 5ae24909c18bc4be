"""Retention (issue 17): `hrbot purge` removes conversations past HRBOT_TRACKER_RETENTION_DAYS from
the tracker store and transcripts of cases resolved longer than PERSONNEL_CASE_TRANSCRIPT_RETENTION_DAYS
ago (with their copies in the audit log); everything younger, and open cases, stay."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from hrbot import paths
from hrbot.retention import purge_conversations, tracker_store_url
from hrbot.settings import Settings
from personnel.app.db import make_engine, make_sessionmaker, migrate
from personnel.app.models import AuditLog, HRCase
from personnel.app.seed import seed_if_empty
from personnel.app.services.retention import PURGED

DAY = 86400
# The columns of Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
    "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def make_tracker_db(path: Path) -> None:
    now = time.time()
    conversations = {
        "web:E1001:old": [now - 120 * DAY, now - 100 * DAY],
        "web:E1002:recent": [now - 2 * DAY],
        "web:E1003:long-running": [now - 200 * DAY, now - 1 * DAY],  # kept whole: still in use
    }
    with sqlite3.connect(path) as db:
        db.execute(EVENTS)
        for sender, stamps in conversations.items():
            for ts in stamps:
                db.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                    (sender, ts, json.dumps({"event": "user", "text": "hello"})),
                )


def make_personnel_db(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(timezone.utc)
    with make_sessionmaker(engine)() as session:
        seed_if_empty(session)
        session.query(HRCase).delete()
        for subject, status, age in [
            ("old resolved", "resolved", 400),
            ("old open", "open", 400),
            ("new", "resolved", 3),
        ]:
            case = HRCase(
                subject=subject,
                transcript=f"User: my question about {subject}",
                status=status,
                employee_id="E1001",
                channel="web",
                language="en",
                created_at=now - timedelta(days=age),
                updated_at=now - timedelta(days=age),
            )
            session.add(case)
            session.flush()
            session.add(
                AuditLog(
                    action="case.create",
                    entity="hr_case",
                    entity_id=str(case.id),
                    after={"subject": subject, "transcript": case.transcript},
                )
            )
        session.commit()
    engine.dispose()
    return url


def test_hrbot_purge_applies_both_retention_periods(tmp_path: Path) -> None:
    make_tracker_db(tmp_path / "tracker.db")
    url = make_personnel_db(tmp_path / "personnel.db")
    env = {
        **os.environ,
        "HRBOT_DATA_DIR": str(tmp_path),
        "PERSONNEL_DATABASE_URL": url,
        "HRBOT_TRACKER_RETENTION_DAYS": "30",
        "PERSONNEL_CASE_TRANSCRIPT_RETENTION_DAYS": "180",
    }
    env.pop("RASA_TRACKER_STORE_URL", None)
    hrbot = str(Path(sys.executable).parent / "hrbot")
    done = subprocess.run(
        [hrbot, "purge"], env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "1 conversation(s) removed" in done.stderr and "1 HR case transcript(s) purged" in done.stderr

    with sqlite3.connect(tmp_path / "tracker.db") as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert senders == {"web:E1002:recent", "web:E1003:long-running"}

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        cases = {c.subject: c for c in session.scalars(select(HRCase))}
        assert cases["old resolved"].transcript == PURGED
        assert cases["old resolved"].subject == "old resolved", "what HR reports on stays"
        assert "my question" in cases["old open"].transcript, "a case still being worked keeps its transcript"
        assert "my question" in cases["new"].transcript
        trail = session.scalars(
            select(AuditLog).where(AuditLog.entity_id == str(cases["old resolved"].id))
        ).all()
        assert all("my question" not in json.dumps(row.after or {}) for row in trail)
        assert any(row.action == "case.transcript_purged" for row in trail), "the purge is audited"
    engine.dispose()

    again = subprocess.run(
        [hrbot, "purge"], env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert "0 conversation(s) removed" in again.stderr and "0 HR case transcript(s) purged" in again.stderr


def test_audit_snapshots_keep_sensitive_fields_masked(tmp_path: Path) -> None:
    """The audit log is a store too: an employee's snapshot there shows that a field is set, not its value."""
    from personnel.app.models import Employee
    from personnel.app.services.audit import snapshot

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate(engine)
    with make_sessionmaker(engine)() as session:
        seed_if_empty(session)
        emp = session.get(Employee, "E1001")
        shot = json.dumps(snapshot(emp))
        assert emp.salary is not None and emp.national_id
        assert str(emp.salary) not in shot and emp.national_id not in shot and emp.home_address not in shot
        assert emp.national_id[-4:] in shot and emp.name_en in shot, "the rest of the record is kept as is"
    engine.dispose()


@pytest.mark.postgres
def test_purge_on_a_postgresql_tracker_store() -> None:
    """The same purge on PostgreSQL (RASA_TRACKER_STORE_URL as Rasa takes it: postgresql://...)."""
    psycopg = pytest.importorskip("psycopg")
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    try:
        psycopg.connect(admin, connect_timeout=2).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL is not usable at 127.0.0.1:5432 ({type(exc).__name__})")
    name = f"hrbot_purge_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        now = time.time()
        with psycopg.connect(
            f"host=127.0.0.1 port=5432 user=postgres dbname={name}", autocommit=True
        ) as conn:
            conn.execute(EVENTS.replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY"))
            for sender, ts in [("old", now - 100 * DAY), ("old", now - 95 * DAY), ("new", now - DAY)]:
                conn.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp) VALUES (%s, 'user', %s)",
                    (sender, ts),
                )
        settings = Settings(
            _env_file=None, rasa_tracker_store_url=f"postgresql://postgres@127.0.0.1:5432/{name}"
        )
        assert purge_conversations(tracker_store_url(settings), 30) == 1
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as conn:
            assert [r[0] for r in conn.execute("SELECT DISTINCT sender_id FROM events")] == ["new"]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
