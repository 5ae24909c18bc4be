"""Retention of conversations: ``hrbot purge`` removes what is kept longer than the settings allow.

* Rasa's tracker store: conversations whose last event is older than HRBOT_TRACKER_RETENTION_DAYS
  are deleted whole (a conversation cut in the middle would lose its beginning's context).
* HR case transcripts: see personnel.app.services.retention (PERSONNEL_CASE_TRANSCRIPT_RETENTION_DAYS).

Run it daily (cron, a systemd timer); it is safe while the assistant runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from hrbot.settings import Settings


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    case_transcripts: int

    def __str__(self) -> str:
        return (
            f"{self.conversations} conversation(s) removed from the tracker store, "
            f"{self.case_transcripts} HR case transcript(s) purged"
        )


def tracker_store_url(settings: Settings) -> str:
    """The SQLAlchemy URL of Rasa's tracker store (the same database ``hrbot serve rasa`` uses)."""
    url = settings.rasa_tracker_store_url
    if not url:
        return f"sqlite:///{(settings.hrbot_data_dir / 'tracker.db').resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def purge_conversations(url: str, older_than_days: float, now: float | None = None) -> int:
    """Delete every conversation whose last event is older than ``older_than_days``."""
    cutoff = (now or time.time()) - older_than_days * 86400
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            stale = sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
            senders = [row[0] for row in conn.execute(stale, {"cutoff": cutoff})]
            for start in range(0, len(senders), 500):
                batch = senders[start : start + 500]
                conn.execute(
                    sa.text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": batch},
                )
        return len(senders)
    finally:
        engine.dispose()


def purge(settings: Settings) -> PurgeReport:
    """Apply both retention periods now."""
    from personnel.app.core.config import Settings as PersonnelSettings
    from personnel.app.db import make_engine, make_sessionmaker
    from personnel.app.services.retention import purge_case_transcripts

    conversations = purge_conversations(tracker_store_url(settings), settings.hrbot_tracker_retention_days)
    personnel = PersonnelSettings()
    engine = make_engine(personnel.database_url)
    try:
        cutoff = datetime.now(timezone.utc) - timedelta(days=personnel.case_transcript_retention_days)
        with make_sessionmaker(engine)() as session:
            cases = purge_case_transcripts(session, cutoff)
    finally:
        engine.dispose()
    return PurgeReport(conversations, cases)
