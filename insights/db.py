"""Reporting tables (SQLAlchemy Core; SQLite embedded, PostgreSQL in scale-out).

Rows hold pseudonymous keys (``person``, ``conversation``: HMACs that count distinct people and
conversations but cannot be turned back into who asked), masked question texts and aggregates'
raw material; never an employee id, a Telegram id or the raw message.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from insights.settings import InsightsSettings, get_settings

metadata = sa.MetaData()

#: Rasa's SQL event broker table (written by bot/rasa_runtime/event_broker.py in Rasa's process);
#: a staging table: the importer deletes the rows it has turned into reporting rows.
broker_events = sa.Table(
    "broker_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("data", sa.Text),
)

#: messages per day, channel, language and conversation (one row per conversation-day: the page's
#: figures are sums and distinct counts over these, never over single messages)
conversation_days = sa.Table(
    "ins_conversation_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("lang", sa.String(2), primary_key=True),
    sa.Column("conversation", sa.String(24), primary_key=True),
    sa.Column("person", sa.String(24)),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sqlite_with_rowid=False,  # the rows live in the primary key's b-tree, in day order
)

#: messages per day, channel, language and recognised intent ("" when none)
intent_days = sa.Table(
    "ins_intent_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("lang", sa.String(2), primary_key=True),
    sa.Column("intent", sa.String(80), primary_key=True),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sqlite_with_rowid=False,
)

answers = sa.Table(
    "ins_answers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime),
    sa.Column("day", sa.Date, index=True),
    sa.Column("channel", sa.String(20)),
    sa.Column("lang", sa.String(2)),
    sa.Column("person", sa.String(24)),
    sa.Column("conversation", sa.String(24), index=True),
    sa.Column("question", sa.Text),  # masked
    # answered | refused | handed_off (refused, then the user asked for HR) | out_of_scope
    sa.Column("outcome", sa.String(12)),
    sa.Column("confidence", sa.Float),
    sa.Column("low_confidence", sa.Boolean, default=False),
    sa.Column("sources", sa.JSON),  # [{source, section, title, version}]
    sa.Column("answer", sa.Text),
    sa.Column("index_version", sa.String(60)),
    sa.Column("gap_id", sa.Integer, nullable=True, index=True),
    # the question's embedding (float32), computed when it is first grouped as a gap
    sa.Column("embedding", sa.LargeBinary, nullable=True),
)

votes = sa.Table(
    "ins_votes",
    metadata,
    sa.Column(
        "answer_id", sa.String(32), sa.ForeignKey("ins_answers.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("voter", sa.String(24), primary_key=True),
    sa.Column("at", sa.DateTime),
    sa.Column("day", sa.Date, index=True),
    sa.Column("helpful", sa.Boolean),
    sa.Column("comment", sa.Text),  # masked
)

handoffs = sa.Table(
    "ins_handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime),
    sa.Column("day", sa.Date, index=True),
    sa.Column("channel", sa.String(20)),
    sa.Column("lang", sa.String(2)),
    sa.Column("person", sa.String(24)),
    sa.Column("conversation", sa.String(24)),
    sa.Column("case_id", sa.Integer),
)

transactions = sa.Table(
    "ins_transactions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(30)),
    sa.Column("at", sa.DateTime),  # started
    sa.Column("day", sa.Date, index=True),
    sa.Column("channel", sa.String(20)),
    sa.Column("lang", sa.String(2)),
    sa.Column("person", sa.String(24)),
    sa.Column("conversation", sa.String(24), index=True),
    sa.Column("status", sa.String(12)),  # open | completed | abandoned
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("last_at", sa.DateTime),
)

#: per conversation: what the importer must remember between runs (channel, language, person)
conversations = sa.Table(
    "ins_conversations",
    metadata,
    sa.Column("conversation", sa.String(24), primary_key=True),
    sa.Column("channel", sa.String(20)),
    sa.Column("lang", sa.String(2)),
    sa.Column("person", sa.String(24)),
    sa.Column("last_at", sa.DateTime),
)

gaps = sa.Table(
    "ins_gaps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text),  # masked example question
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("fixed_by", sa.String(300)),  # the document (source) that fixed it
    sa.Column("questions", sa.Integer),
)

# Covering index: the report's queries on answers read only these columns (bench/insights_bench.py).
sa.Index(
    "ix_ins_answers_report",
    answers.c.day,
    answers.c.channel,
    answers.c.lang,
    answers.c.outcome,
    answers.c.person,
)


def upsert_add(conn: sa.Connection, table: sa.Table, rows: list[dict], add: list[str]) -> None:
    """Insert rows, or add their ``add`` columns to the existing rows with the same primary key."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in add}
    )
    conn.execute(stmt, rows)


def utcnow() -> datetime:
    """Naive UTC (the same in SQLite and PostgreSQL columns without a time zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def pseudonym(value: str, settings: InsightsSettings | None = None, purpose: str = "person") -> str:
    """A keyed hash: equal inputs give equal keys (distinct counts), nobody can reverse it."""
    settings = settings or get_settings()
    key = hashlib.sha256(f"hrbot-insights|{purpose}|{settings.hrbot_identity_secret}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]


def person_key(employee_id: str | None, sender_id: str) -> str:
    """Who, as one value: the verified employee when known, else the channel's sender."""
    return f"emp:{employee_id}" if employee_id else f"sender:{sender_id}"


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # deleted broker rows (raw message texts) are overwritten, not left in free pages
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def engine(settings: InsightsSettings | None = None) -> Engine:
    """One engine per database URL per process; the tables are created on first use."""
    url = (settings or get_settings()).database_url
    eng = _ENGINES.get(url)
    if eng is None:
        with _LOCK:
            eng = _ENGINES.get(url)
            if eng is None:
                if url.startswith("sqlite"):
                    path = url.split("///", 1)[-1]
                    if path and path != ":memory:":
                        from pathlib import Path

                        Path(path).parent.mkdir(parents=True, exist_ok=True)
                    eng = sa.create_engine(url, connect_args={"timeout": 10})
                    sa.event.listen(eng, "connect", _sqlite_pragmas)
                else:
                    eng = sa.create_engine(url, pool_pre_ping=True)
                metadata.create_all(eng)
                _ENGINES[url] = eng
    return eng


def dispose_all() -> None:
    with _LOCK:
        for eng in _ENGINES.values():
            eng.dispose()
        _ENGINES.clear()
