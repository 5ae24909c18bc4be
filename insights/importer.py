"""Turn Rasa's broker events into reporting rows (messages, transactions), then drop the raw rows.

Rasa publishes every tracker event to the SQL event broker (``broker_events``: id, sender_id, data
as JSON). This importer reads them in id order, in batches, and keeps only what reporting needs:
message counts per day, channel, language and conversation (with its pseudonymous person) and per
day, channel, language and intent, and one row per transaction (started, completed or
abandoned). The raw rows, which hold message texts and identity assertions, are deleted in the
same database transaction, so they live only until the next import (the gateway imports every
minute and before every insights query).

Transactions are read from what the assistant said (``utter_action`` of bot events) and from
forms starting (``active_loop``): e.g. the leave form starting opens a leave application,
``utter_leave_submitted`` completes it, "stop" (``utter_stopped``) or a new session abandons it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
import structlog

from insights import db
from insights.records import channel_of, local_day
from insights.settings import InsightsSettings, get_settings

log = structlog.get_logger(__name__)

BATCH = 5000
#: Rasa's session expiry (bot/domain/core.yml session_config): an open transaction idle this
#: long was abandoned.
IDLE_ABANDON = timedelta(minutes=120)

#: transactions that start with a form (active_loop name) or a yes/no question (utter_action)
START_LOOPS = {"leave_form": "leave_apply", "reject_form": "leave_reject"}
START_UTTERS = {
    "utter_cancel_confirm": "leave_cancel",
    "utter_approve_confirm": "leave_approve",
    "utter_withdraw_confirm": "course_withdraw",
}
COMPLETE_UTTERS = {
    "utter_leave_submitted": "leave_apply",
    "utter_leave_cancelled": "leave_cancel",
    "utter_leave_approved": "leave_approve",
    "utter_leave_rejected": "leave_reject",
    "utter_enrolled": "course_enrol",
    "utter_waitlisted": "course_enrol",
    "utter_withdrawn": "course_withdraw",
}
#: the user changed their mind: whatever was open in the conversation is abandoned
ABANDON_UTTERS = {"utter_leave_not_submitted", "utter_stopped", "utter_nothing_changed"}
TRANSACTION_KINDS = sorted(
    set(START_LOOPS.values()) | set(START_UTTERS.values()) | set(COMPLETE_UTTERS.values())
)


@dataclass
class ImportResult:
    events: int = 0
    messages: int = 0
    transactions_opened: int = 0
    transactions_closed: int = 0


def _employee(metadata: Any, secret: str) -> str | None:
    """The employee behind a message: the connector's signed assertion (signature checked; it may
    have expired since, which does not change who sent the message)."""
    hrbot = metadata.get("hrbot") if isinstance(metadata, dict) else None
    token = hrbot.get("identity") if isinstance(hrbot, dict) else None
    if not token or not secret:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) and sub else None


def _at(event: dict[str, Any]) -> datetime:
    ts = event.get("timestamp")
    if isinstance(ts, int | float):
        return datetime.utcfromtimestamp(ts)
    return db.utcnow()


class _State:
    """Per-batch view of conversations and their open transactions (loaded on first use)."""

    def __init__(self, conn: sa.Connection, settings: InsightsSettings) -> None:
        self.conn = conn
        self.settings = settings
        self.convs: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()
        self.open: dict[str, dict[str, dict[str, Any]]] = {}  # conversation -> kind -> row
        self.result = ImportResult()

    def conv(self, sender_id: str) -> tuple[str, dict[str, Any]]:
        key = db.pseudonym(sender_id, self.settings, "conversation")
        if key not in self.convs:
            row = self.conn.execute(
                sa.select(db.conversations).where(db.conversations.c.conversation == key)
            ).first()
            self.convs[key] = (
                dict(row._mapping)
                if row
                else {
                    "conversation": key,
                    "channel": channel_of(sender_id),
                    "lang": "en",
                    "person": db.pseudonym(db.person_key(None, sender_id), self.settings),
                    "last_at": None,
                    "_new": True,
                }
            )
            rows = self.conn.execute(
                sa.select(db.transactions).where(
                    db.transactions.c.conversation == key, db.transactions.c.status == "open"
                )
            ).all()
            self.open[key] = {r.kind: dict(r._mapping) for r in rows}
        return key, self.convs[key]

    def start(self, key: str, kind: str, at: datetime) -> None:
        if kind in self.open[key]:
            if kind in START_LOOPS.values():
                return  # the form is still running (it resumes after a question)
            self.close(key, kind, "abandoned", at)
        c = self.convs[key]
        row = {
            "kind": kind,
            "at": at,
            "day": local_day(at, self.settings),
            "channel": c["channel"],
            "lang": c["lang"],
            "person": c["person"],
            "conversation": key,
            "status": "open",
            "ended_at": None,
            "last_at": at,
        }
        row["id"] = self.conn.execute(db.transactions.insert().values(**row)).inserted_primary_key[0]
        self.open[key][kind] = row
        self.result.transactions_opened += 1

    def complete(self, key: str, kind: str, at: datetime) -> None:
        if kind not in self.open[key]:
            self.start(key, kind, at)  # a one-step transaction (an enrolment, an approval by button)
        self.close(key, kind, "completed", at)

    def close(self, key: str, kind: str, status: str, at: datetime) -> None:
        row = self.open[key].pop(kind, None)
        if row is None:
            return
        self.conn.execute(
            db.transactions.update()
            .where(db.transactions.c.id == row["id"])
            .values(status=status, ended_at=at, last_at=at)
        )
        self.result.transactions_closed += 1

    def close_all(self, key: str, status: str, at: datetime) -> None:
        for kind in list(self.open[key]):
            self.close(key, kind, status, at)

    def touch(self, key: str, at: datetime) -> None:
        for row in self.open[key].values():
            if row["last_at"] is None or at > row["last_at"]:
                row["last_at"] = at
                self.conn.execute(
                    db.transactions.update().where(db.transactions.c.id == row["id"]).values(last_at=at)
                )

    def save(self) -> None:
        for key in self.dirty:
            c = dict(self.convs[key])
            new = c.pop("_new", False)
            if new:
                self.conn.execute(db.conversations.insert().values(**c))
                self.convs[key].pop("_new", None)
            else:
                self.conn.execute(
                    db.conversations.update().where(db.conversations.c.conversation == key).values(**c)
                )
        self.dirty.clear()


def _apply(state: _State, sender_id: str, event: dict[str, Any], message_rows: list[dict[str, Any]]) -> None:
    kind = event.get("event")
    at = _at(event)
    key, conv = state.conv(sender_id)
    if kind == "user":
        metadata = event.get("metadata") or {}
        hrbot = metadata.get("hrbot") if isinstance(metadata, dict) else None
        hrbot = hrbot if isinstance(hrbot, dict) else {}
        conv["channel"] = channel_of(sender_id, hrbot.get("channel"))
        employee = _employee(metadata, state.settings.hrbot_identity_secret)
        if employee:
            conv["person"] = db.pseudonym(db.person_key(employee, sender_id), state.settings)
        parse = event.get("parse_data") or {}
        detected = next(
            (e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "language"), None
        )
        lang = detected or hrbot.get("lang") or conv["lang"]
        conv["lang"] = lang if lang in ("en", "zh") else "en"
        conv["last_at"] = at
        state.dirty.add(key)
        message_rows.append(
            {
                "at": at,
                "day": local_day(at, state.settings),
                "channel": conv["channel"],
                "lang": conv["lang"],
                "person": conv["person"],
                "conversation": key,
                "intent": str(((parse.get("intent") or {}).get("name")) or "")[:80] or None,
            }
        )
        state.touch(key, at)
    elif kind == "active_loop" and event.get("name") in START_LOOPS:
        state.start(key, START_LOOPS[event["name"]], at)
    elif kind == "bot":
        utter = (event.get("metadata") or {}).get("utter_action")
        if utter in START_UTTERS:
            state.start(key, START_UTTERS[utter], at)
        elif utter in COMPLETE_UTTERS:
            state.complete(key, COMPLETE_UTTERS[utter], at)
        elif utter in ABANDON_UTTERS:
            state.close_all(key, "abandoned", at)
    elif kind == "session_started":
        state.close_all(key, "abandoned", at)


def import_events(settings: InsightsSettings | None = None, batch: int = BATCH) -> ImportResult:
    """Import every pending broker event (in batches of ``batch``); safe to run concurrently."""
    settings = settings or get_settings()
    eng = db.engine(settings)
    total = ImportResult()
    while True:
        with eng.begin() as conn:
            if conn.dialect.name == "postgresql":  # one importer at a time across gateways
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(190019)"))
            rows = conn.execute(
                sa.select(db.broker_events).order_by(db.broker_events.c.id).limit(batch)
            ).all()
            if not rows:
                break
            state = _State(conn, settings)
            message_rows: list[dict[str, Any]] = []
            for row in rows:
                try:
                    event = json.loads(row.data)
                except (TypeError, ValueError):
                    continue
                if isinstance(event, dict):
                    _apply(state, row.sender_id or str(event.get("sender_id") or ""), event, message_rows)
            _count_messages(conn, message_rows)
            state.save()
            conn.execute(db.broker_events.delete().where(db.broker_events.c.id <= rows[-1].id))
            total.events += len(rows)
            total.messages += len(message_rows)
            total.transactions_opened += state.result.transactions_opened
            total.transactions_closed += state.result.transactions_closed
        if len(rows) < batch:
            break
    _abandon_idle(settings)
    if total.events:
        log.info("insights_imported", events=total.events, messages=total.messages)
    return total


def _count_messages(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Add the batch's messages to the per-day counts."""
    convs: dict[tuple, dict[str, Any]] = {}
    intents: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        base = {"day": r["day"], "channel": r["channel"], "lang": r["lang"]}
        conv = convs.setdefault(
            (r["day"], r["channel"], r["lang"], r["conversation"]),
            {**base, "conversation": r["conversation"], "person": r["person"], "messages": 0},
        )
        conv["messages"] += 1
        intent = r["intent"] or ""
        counted = intents.setdefault(
            (r["day"], r["channel"], r["lang"], intent), {**base, "intent": intent, "messages": 0}
        )
        counted["messages"] += 1
    db.upsert_add(conn, db.conversation_days, list(convs.values()), ["messages"])
    db.upsert_add(conn, db.intent_days, list(intents.values()), ["messages"])


def _abandon_idle(settings: InsightsSettings) -> None:
    cutoff = db.utcnow() - IDLE_ABANDON
    with db.engine(settings).begin() as conn:
        conn.execute(
            db.transactions.update()
            .where(db.transactions.c.status == "open", db.transactions.c.last_at < cutoff)
            .values(status="abandoned", ended_at=db.transactions.c.last_at)
        )


def purge(settings: InsightsSettings | None = None, now: datetime | None = None) -> dict[str, int]:
    """Delete everything older than the retention period (HRBOT_INSIGHTS_RETENTION_DAYS)."""
    settings = settings or get_settings()
    cutoff = (now or db.utcnow()) - timedelta(days=settings.hrbot_insights_retention_days)
    removed: dict[str, int] = {}
    with db.engine(settings).begin() as conn:
        old_answers = sa.select(db.answers.c.id).where(db.answers.c.at < cutoff)
        removed["votes"] = conn.execute(
            db.votes.delete().where(db.votes.c.answer_id.in_(old_answers))
        ).rowcount
        for name, table in (
            ("answers", db.answers),
            ("handoffs", db.handoffs),
            ("transactions", db.transactions),
        ):
            removed[name] = conn.execute(table.delete().where(table.c.at < cutoff)).rowcount
        for name, table in (("messages", db.conversation_days), ("intents", db.intent_days)):
            removed[name] = conn.execute(table.delete().where(table.c.day < cutoff.date())).rowcount
        removed["conversations"] = conn.execute(
            db.conversations.delete().where(db.conversations.c.last_at < cutoff)
        ).rowcount
    if any(removed.values()):
        log.info("insights_purged", cutoff=cutoff.isoformat(), **removed)
    return removed
