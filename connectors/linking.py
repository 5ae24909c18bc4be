"""Telegram account linking: one-time codes issued on the web, consumed by ``/link CODE``.

Shared by the gateway (issues codes for a signed-in user) and the Telegram bot (consumes codes and
maps a Telegram user id to an employee id). Codes are stored hashed, expire after 10 minutes and are
single use (an atomic conditional UPDATE). Wrong codes are recorded, so guessing is limited per
Telegram user and across all users (many accounts guessing together), and the limits survive a
restart of the bot. Also holds the short-id table for long button payloads,
so inline keyboards keep working across bot restarts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import structlog
from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

log = structlog.get_logger(__name__)

# No 0/O/1/I/L: codes are typed by hand on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class _Base(DeclarativeBase):
    pass


class LinkCode(_Base):
    __tablename__ = "telegram_link_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TelegramLink(_Base):
    __tablename__ = "telegram_links"
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    employee_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkFailure(_Base):
    """One wrong ``/link`` code (who and when), for the guessing limits."""

    __tablename__ = "telegram_link_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CallbackPayload(_Base):
    __tablename__ = "telegram_callback_payloads"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def normalise_code(code: str) -> str:
    """Users type codes in any case, with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class LinkStore:
    """Link codes, Telegram links and long callback payloads in one small SQL database."""

    def __init__(self, database_url: str, code_ttl_s: int = 600):
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(database_url, future=True)
        self.code_ttl = timedelta(seconds=code_ttl_s)
        _Base.metadata.create_all(self.engine)

    def create_code(self, employee_id: str, now: datetime | None = None) -> tuple[str, datetime]:
        """Issue a fresh one-time code for ``employee_id``; earlier unused codes of theirs are revoked."""
        now = now or _now()
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires = now + self.code_ttl
        with Session(self.engine) as s, s.begin():
            s.execute(delete(LinkCode).where(LinkCode.employee_id == employee_id, LinkCode.used_at.is_(None)))
            s.execute(delete(LinkCode).where(LinkCode.expires_at < now - timedelta(days=1)))
            s.add(
                LinkCode(code_hash=_hash(code), employee_id=employee_id, created_at=now, expires_at=expires)
            )
        log.info("link_code_issued", employee_id=employee_id, expires_at=expires.isoformat())
        return code, expires

    def consume_code(self, code: str, now: datetime | None = None) -> str | None:
        """Return the employee id for a valid code and mark it used; ``None`` if unknown/expired/used."""
        now = now or _now()
        h = _hash(normalise_code(code))
        with Session(self.engine) as s, s.begin():
            row = s.get(LinkCode, h)
            if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
                return None
            # Conditional update: of two concurrent consumers only one sees rowcount == 1.
            res = s.execute(
                update(LinkCode)
                .where(LinkCode.code_hash == h, LinkCode.used_at.is_(None))
                .values(used_at=now)
            )
            if res.rowcount != 1:
                return None
            return row.employee_id

    def link(self, telegram_user_id: int, employee_id: str) -> None:
        with Session(self.engine) as s, s.begin():
            s.merge(
                TelegramLink(telegram_user_id=telegram_user_id, employee_id=employee_id, linked_at=_now())
            )
        log.info("telegram_linked", telegram_user_id=telegram_user_id, employee_id=employee_id)

    def link_with_code(self, telegram_user_id: int, code: str) -> str | None:
        """Consume ``code`` and link the Telegram user to its employee; returns the employee id."""
        employee_id = self.consume_code(code)
        if employee_id is not None:
            self.link(telegram_user_id, employee_id)
        return employee_id

    def record_failure(self, telegram_user_id: int, now: datetime | None = None) -> None:
        now = now or _now()
        with Session(self.engine) as s, s.begin():
            s.add(LinkFailure(telegram_user_id=telegram_user_id, at=now))
            s.execute(delete(LinkFailure).where(LinkFailure.at < now - timedelta(days=1)))

    def failures_since(self, since: datetime, telegram_user_id: int | None = None) -> int:
        """Wrong codes since ``since``: of one Telegram user, or of everyone."""
        query = select(func.count()).select_from(LinkFailure).where(LinkFailure.at >= since)
        if telegram_user_id is not None:
            query = query.where(LinkFailure.telegram_user_id == telegram_user_id)
        with Session(self.engine) as s:
            return int(s.scalar(query) or 0)

    def unlink(self, telegram_user_id: int) -> bool:
        with Session(self.engine) as s, s.begin():
            res = s.execute(delete(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id))
        if res.rowcount:
            log.info("telegram_unlinked", telegram_user_id=telegram_user_id)
        return bool(res.rowcount)

    def employee_for(self, telegram_user_id: int) -> str | None:
        with Session(self.engine) as s:
            row = s.get(TelegramLink, telegram_user_id)
            return row.employee_id if row else None

    def put_payload(self, payload: str) -> str:
        """Store a payload too long for Telegram's 64-byte callback_data; returns a short key."""
        key = hashlib.sha256(payload.encode()).hexdigest()[:16]
        with Session(self.engine) as s, s.begin():
            if s.get(CallbackPayload, key) is None:
                s.add(CallbackPayload(key=key, payload=payload, created_at=_now()))
        return key

    def get_payload(self, key: str) -> str | None:
        with Session(self.engine) as s:
            row = s.scalar(select(CallbackPayload).where(CallbackPayload.key == key))
            return row.payload if row else None

    def dispose(self) -> None:
        self.engine.dispose()
