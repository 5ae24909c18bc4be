"""Rasa's SQL event broker, cheaper per message; feeds the curator insights (README, Insights).

Rasa loads it from the endpoints file (``event_broker: type: bot.rasa_runtime.event_broker.
LeanSQLEventBroker``, written by ``hrbot.rasa_endpoints``) with the arguments of Rasa's ``SQL``
broker. Differences from ``rasa.core.brokers.sql.SQLEventBroker``, each for the cost of a chat turn:

* The table is ``broker_events`` (same columns: id, sender_id, data), so it can live in the
  insights database beside the reporting tables, including a PostgreSQL database that also holds
  the tracker store's own ``events`` table.
* SQLite: write-ahead log and ``synchronous=NORMAL`` on one kept connection, as in the tracker
  store (bot/rasa_runtime/tracker_store.py): a commit does not wait for the disk.
* ``publish_many``: the tracker store publishes the new events of a turn in one transaction
  (Rasa's broker commits once per event, ~10 per turn).

The gateway's importer (insights/importer.py) reads these rows into reporting tables and deletes
them; they hold message texts, so they are kept only until the next import.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker

TABLE = "broker_events"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class LeanSQLEventBroker(SQLEventBroker):
    """Drop-in for Rasa's ``SQL`` event broker (same arguments in endpoints.yml)."""

    def __init__(
        self,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "events.db",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        url = SQLTrackerStore.get_db_url(dialect, host, port, db, username, password)
        if dialect == "sqlite":
            # one connection, reused (Rasa publishes from its event loop thread only)
            self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool, pool_size=1)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        metadata = sa.MetaData()
        self.table = sa.Table(
            TABLE,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255)),
            sa.Column("data", sa.Text),
        )
        metadata.create_all(self.engine)

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """Publish the events of one turn in one transaction."""
        if not events:
            return
        rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events]
        with self.engine.begin() as conn:
            conn.execute(self.table.insert(), rows)
