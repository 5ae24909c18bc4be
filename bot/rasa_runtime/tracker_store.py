"""Rasa's SQL tracker store with less work per message; same tables, same rows, same results.

Rasa loads it from the endpoints file (``tracker_store: type: bot.rasa_runtime.tracker_store.
LeanSQLTrackerStore``, written by ``hrbot.rasa_endpoints``) for SQLite and PostgreSQL alike. Rasa's
own store does per message: a query that loads the conversation, and on saving a ``COUNT`` query to
find which events are new, the inserts and a commit. With SQLite (the embedded default) each
commit waits for the disk twice or more (rollback journal), which blocks Rasa's only event loop:
measured by the benchmark (bench/), the store took ~30% of Rasa's time per message.

Changes, each measured (README, Benchmarks):

* **SQLite: write-ahead log, ``synchronous=NORMAL``.** A commit appends to the WAL without waiting
  for the disk; the WAL is synced at checkpoints. A committed message survives the Rasa process
  being killed (the WAL is in the OS's page cache and is replayed on the next open); only a power
  cut or kernel crash can lose the last few messages — the same trade PostgreSQL makes with
  ``synchronous_commit=off``. The database stays consistent in every case. One connection is kept
  open (Rasa's store runs on one thread) instead of a new one per query.
* **No ``COUNT`` query per save.** The store remembers on the tracker object how many of its
  events it loaded or saved; a save writes only the events after those. A tracker that did not
  come from this store (Rasa's HTTP API can build one) falls back to Rasa's ``COUNT`` query.
* **One multi-row INSERT per save** (Rasa's ORM unit of work inserts the events one by one), with
  exactly the rows Rasa writes.
* **No transaction for a save with nothing new** (Rasa saves every new, still empty conversation
  once before handling its first message).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store as rasa_store
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from personnel.sensitive import mask_event

# Attribute set on trackers this store loaded or saved: how many of tracker.events are stored.
STORED = "_hrbot_events_stored"


def stored_form(data: dict[str, Any]) -> dict[str, Any]:
    """An event as it may be kept: sensitive values shown to the employee masked (personnel.sensitive),
    and the connector's identity assertion dropped (it served its one message; nobody reads it back)."""
    return _drop_assertions(mask_event(data))


def _drop_assertions(value: Any) -> Any:
    """``{"hrbot": {"identity": ...}}`` wherever Rasa copied the metadata (the user event, the
    ``session_started_metadata`` slot) keeps everything but the assertion."""
    if isinstance(value, dict):
        out = {k: _drop_assertions(v) for k, v in value.items()}
        hrbot = out.get("hrbot")
        if isinstance(hrbot, dict) and hrbot.get("identity"):
            out["hrbot"] = {**hrbot, "identity": "[used]"}
        return out
    if isinstance(value, list):
        return [_drop_assertions(v) for v in value]
    return value


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event, in its stored form."""
    data = stored_form(event.as_dict())
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class LeanSQLTrackerStore(rasa_store.SQLTrackerStore):
    """Drop-in for Rasa's ``SQL`` tracker store (same arguments in endpoints.yml)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            url = self.engine.url
            self.engine.dispose()
            # One connection, reused (Rasa calls the store from its event loop thread only).
            self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool, pool_size=1)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = getattr(tracker, STORED, None)
        if stored is not None and stored >= len(tracker.events):
            return  # nothing new to write (nor to stream to an event broker)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:  # one multi-row INSERT instead of one ORM object and INSERT per event
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, STORED, len(tracker.events))

    async def create_tracker(self, sender_id: str, append_action_listen: bool = True) -> DialogueStateTracker:
        tracker = self.init_tracker(sender_id)
        setattr(tracker, STORED, 0)
        if append_action_listen:
            from rasa.shared.core.constants import ACTION_LISTEN_NAME
            from rasa.shared.core.events import ActionExecuted

            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await self.save(tracker)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))
