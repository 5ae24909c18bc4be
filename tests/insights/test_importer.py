"""The importer on a real SQLite database: broker rows in, reporting rows out, raw rows gone;
transactions completed or abandoned; retention purge. (The whole path through the real Rasa is
tested in tests/e2e/test_insights.py.)"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from insights import db
from insights.importer import import_events, purge
from insights.report import Filters, summary
from insights.settings import InsightsSettings

PG = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True, connect_timeout=2) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InsightsSettings]:
    """The same tests on the embedded SQLite and on PostgreSQL (a fresh database, dropped after)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'insights.db'}"
    else:
        name = f"hrbot_insights_{uuid.uuid4().hex[:10]}"
        try:
            _pg(f"CREATE DATABASE {name}")
        except Exception as exc:
            pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 ({exc})")
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    s = InsightsSettings(
        hrbot_insights_database_url=url,
        hrbot_identity_secret="test-secret",
        hrbot_insights_min_group=2,
        hrbot_timezone="UTC",
        _env_file=None,
    )
    yield s
    db.dispose_all()
    if request.param == "postgresql":
        _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def publish(settings: InsightsSettings, sender: str, *events: dict) -> None:
    now = time.time()
    rows = [
        {"sender_id": sender, "data": json.dumps({"sender_id": sender, "timestamp": now + i * 0.01, **e})}
        for i, e in enumerate(events)
    ]
    with db.engine(settings).begin() as conn:
        conn.execute(db.broker_events.insert(), rows)


def user(text: str, intent: str, channel: str = "web", lang: str = "en") -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent}, "entities": [{"entity": "language", "value": lang}]},
        "metadata": {"hrbot": {"channel": channel, "lang": lang, "identity": None}},
    }


def bot(utter: str) -> dict:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": utter}}


def test_events_become_messages_and_transactions_and_the_raw_rows_are_deleted(settings) -> None:
    publish(
        settings,
        "web:anon:a",
        {"event": "session_started"},
        user("I want to apply for sick leave", "apply_leave"),
        {"event": "active_loop", "name": "leave_form"},
        user("December 28", "inform_dates"),
        user("yes", "affirm"),
        bot("utter_leave_submitted"),
    )
    publish(
        settings,
        "tg:42",
        user("我要请年假", "apply_leave", "telegram", "zh"),
        {"event": "active_loop", "name": "leave_form"},
        user("算了", "stop", "telegram", "zh"),
        bot("utter_stopped"),
    )
    result = import_events(settings)
    assert result.events == 10 and result.messages == 5
    with db.engine(settings).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.broker_events)).scalar() == 0
    today = db.utcnow().date()
    report = summary(Filters(start=today, end=today), settings)
    assert sum(d["messages"] for d in report["daily"]) == 5
    assert sum(d["conversations"] for d in report["daily"]) == 2
    assert report["daily"][-1]["messages_zh"] == 2
    assert report["transactions"] == [
        {"kind": "leave_apply", "completed": 1, "abandoned": 1, "in_progress": 0}
    ]
    assert {r["intent"]: r["messages"] for r in report["intents"]}["apply_leave"] == 2
    # one person per channel: below the threshold of 2, each channel's figures are hidden
    assert all(c["hidden"] and c["messages"] is None for c in report["channels"])
    assert summary(Filters(start=today, end=today, channel="telegram"), settings)["suppressed"]


def test_a_form_left_open_is_abandoned_by_a_new_session(settings) -> None:
    publish(
        settings,
        "web:anon:b",
        user("apply leave", "apply_leave"),
        {"event": "active_loop", "name": "leave_form"},
    )
    import_events(settings)
    today = db.utcnow().date()
    assert summary(Filters(start=today, end=today), settings)["transactions"][0]["in_progress"] == 1
    publish(settings, "web:anon:b", {"event": "session_started"}, user("hi", "greet"))
    import_events(settings)
    assert summary(Filters(start=today, end=today), settings)["transactions"] == [
        {"kind": "leave_apply", "completed": 0, "abandoned": 1, "in_progress": 0}
    ]


def test_data_older_than_the_retention_period_is_purged(settings) -> None:
    publish(settings, "web:anon:c", user("hello", "greet"))
    import_events(settings)
    later = db.utcnow() + timedelta(days=settings.hrbot_insights_retention_days + 1)
    removed = purge(settings, now=later)
    assert removed["messages"] == 1 and removed["conversations"] == 1
    with db.engine(settings).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.conversation_days)).scalar() == 0
