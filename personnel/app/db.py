"""Engine, sessions and migrations.

Nothing connects at import: ``make_engine`` is called by the app factory. Writes must not race:
PostgreSQL uses row locks (SELECT ... FOR UPDATE, see ``services``); SQLite has no row locks, so
every write transaction starts with BEGIN IMMEDIATE, which serializes writers across threads and
processes; read-only requests use a second engine with a plain (deferred) BEGIN, which in WAL mode
neither blocks nor waits for writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from personnel.app.core.config import sqlite_path

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"


def make_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; for SQLite create the parent directory of the file.

    ``immediate=False`` gives a SQLite engine for read-only sessions (deferred BEGIN).
    """
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if path is not None:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def migrate(url: str | Engine) -> None:
    """Upgrade the database at ``url`` (or engine) to the latest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    if isinstance(url, str):
        engine = make_engine(url)
        owns = True
    else:
        engine, owns = url, False
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
    finally:
        if owns:
            engine.dispose()
