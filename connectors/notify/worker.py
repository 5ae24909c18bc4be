"""The notifier process: claim due notices, word them, deliver them, record what happened.

Run with ``hrbot serve notifier`` (Procfile) or ``python -m connectors.notify [--once]``. Several
instances may share a PostgreSQL database (claims use ``FOR UPDATE SKIP LOCKED`` and a lease);
on SQLite run one. Stopped with SIGTERM/Ctrl-C, an instance finishes the channel calls on the wire,
records them and gives its other leased notices back at once: nothing lost, nothing sent twice.
Killed outright (SIGKILL, power loss), only the notices whose channel call had started
(``sending_since``, at most NOTIFY_CONCURRENCY) are sent again after the lease lapses: a chat API
without idempotency keys leaves no way to know whether the interrupted call reached the person.

The time-based rules (personnel/app/services/reminders.py) run here on a fixed
schedule (at start, then every NOTIFY_RULES_INTERVAL_S); their dedupe keys make every re-run and
every extra instance harmless.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from connectors.linking import LinkStore
from connectors.notify.catalogue import render
from connectors.notify.channels.base import Channel, ChannelError, Outgoing
from connectors.notify.channels.web import WebInbox
from connectors.notify.settings import NotifierSettings
from connectors.notify.settings import get_settings as notifier_settings
from connectors.settings import ConnectorSettings
from connectors.settings import get_settings as connector_settings
from personnel.app.core.config import Settings as PersonnelSettings
from personnel.app.core.config import get_settings as personnel_settings
from personnel.app.db import make_engine, make_sessionmaker
from personnel.app.models import Employee, Notification, utcnow
from personnel.app.services import notifications as outbox
from personnel.app.services import reminders

log = structlog.get_logger(__name__)
#: waits for the database (1 + 2 + 4 + 8 + 16 s at the default poll) logged as info, not warnings:
#: the backend creates or migrates it while the notifier starts
STARTUP_WAITS = 5


def default_channels(settings: ConnectorSettings, timeout_s: float) -> list[Channel]:
    """The web inbox always; Telegram when the bot has a token."""
    channels: list[Channel] = [WebInbox()]
    if settings.telegram_bot_token:
        from connectors.notify.channels.telegram import TelegramChannel

        links = LinkStore(settings.link_database_url, settings.hrbot_link_code_ttl_s)
        channels.append(
            TelegramChannel(settings.telegram_bot_token, links, settings.telegram_base_url, timeout_s)
        )
    return channels


@dataclass
class Notifier:
    """One notifier instance (``worker`` names it in the outbox's ``claimed_by``)."""

    engine: Engine
    personnel: PersonnelSettings
    settings: NotifierSettings
    channels: list[Channel]
    worker: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )

    def __post_init__(self) -> None:
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        # SQLite: a second engine with deferred BEGIN, so looking for work takes no write lock
        sqlite = self.engine.dialect.name == "sqlite"
        self.read_engine = (
            make_engine(self.personnel.database_url, immediate=False) if sqlite else self.engine
        )
        self.read_sessions: sessionmaker[Session] = make_sessionmaker(self.read_engine)
        self.by_name = {c.name: c for c in self.channels}
        self.stopping = threading.Event()
        self.pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="notify")

    # ------------------------------------------------------------------ time-based rules
    def run_rules(self) -> dict[str, int]:
        today = self.personnel.today()
        with self.sessions() as session:
            counts = reminders.run_rules(session, today, self.personnel)
        log.info("notify_rules_run", today=today.isoformat(), **counts)
        return counts

    # ------------------------------------------------------------------ delivery
    def _channels_for(self, notice: Notification) -> list[Channel]:
        asked = (notice.params or {}).get("channel")
        if asked in self.by_name:
            # a reply goes back where the employee asked; the web inbox keeps a copy either way
            names = {asked, "web"}
            return [c for c in self.channels if c.name in names]
        return list(self.channels)

    def _deliver(self, notice: Notification, lang: str) -> None:
        rendered = render(
            notice.kind, notice.params or {}, lang, optional=outbox.kind_of(notice.kind).optional
        )
        out = Outgoing(notice.id, notice.employee_id, notice.kind, lang, rendered)
        with self.sessions() as session:
            if not outbox.mark_sending(session, notice.id, worker=self.worker):
                log.warning("notify_lease_lost", notice_id=notice.id, worker=self.worker)
                return
        delivered: list[str] = []
        for channel in self._channels_for(notice):
            targets = channel.targets(notice.employee_id)
            for target in targets:
                channel.send(target, out)
            if targets:
                delivered.append(channel.name)
        with self.sessions() as session:
            if not outbox.record_sent(session, notice.id, worker=self.worker, channels=delivered):
                log.warning("notify_lease_lost", notice_id=notice.id, worker=self.worker)
        log.info("notice_sent", notice_id=notice.id, kind=notice.kind, channels=delivered)

    def deliver_batch(self) -> int:
        """Claim one batch and deliver it; returns how many notices were handled."""
        with self.read_sessions() as session:
            if not outbox.has_due(session):
                return 0
        with self.sessions() as session:
            batch = outbox.claim_due(
                session,
                worker=self.worker,
                settings=self.personnel,
                limit=self.settings.batch_size,
                lease_s=self.settings.lease_s,
            )
            session.expunge_all()
        if not batch:
            return 0
        with self.read_sessions() as session:
            langs: dict[str, str] = (
                dict(
                    session.execute(
                        select(Employee.id, Employee.preferred_language).where(
                            Employee.id.in_({n.employee_id for n in batch})
                        )
                    ).all()
                )
                if batch
                else {}
            )
        claimed_at = time.monotonic()
        unsent: list[int] = []

        def one(notice: Notification) -> None:
            if self.stopping.is_set() or time.monotonic() - claimed_at > self.settings.lease_s * 0.8:
                # stopping, or too close to the lease's end: give it back (below) so another
                # instance, or this one's next start, sends it once
                unsent.append(notice.id)
                return
            try:
                self._deliver(notice, langs.get(notice.employee_id, "en"))
            except ChannelError as exc:
                self._not_delivered(notice, exc)
            except Exception as exc:  # a bug must not stop the other notices: retried later
                log.error("notice_failed", notice_id=notice.id, error=repr(exc)[:500])
                self._not_delivered(notice, ChannelError(f"internal error: {exc!r}"[:500]))

        list(self.pool.map(one, batch))  # on SIGTERM the calls on the wire finish and are recorded
        if unsent:
            with self.sessions() as session:
                released = outbox.release_unsent(session, unsent, worker=self.worker)
            log.info("notices_released", count=released, worker=self.worker)
        return len(batch)

    def _not_delivered(self, notice: Notification, exc: ChannelError) -> None:
        with self.sessions() as session:
            if exc.retry_after is not None:
                until = utcnow() + _seconds(exc.retry_after)
                outbox.release(session, notice.id, worker=self.worker, until=until, reason=str(exc))
                status = "pending"
            else:
                status = outbox.record_failure(
                    session,
                    notice.id,
                    worker=self.worker,
                    error=str(exc),
                    permanent=exc.permanent,
                    max_attempts=self.settings.max_attempts,
                    base_s=self.settings.backoff_s,
                )
        log.warning("notice_not_delivered", notice_id=notice.id, error=str(exc), status=status)

    def drain(self, max_rounds: int = 10_000) -> int:
        """Deliver until nothing is due (``--once`` and tests)."""
        total = 0
        for _ in range(max_rounds):
            n = self.deliver_batch()
            total += n
            if n == 0:
                break
        return total

    def run_forever(self) -> None:
        last_rules = float("-inf")
        not_ready = 0
        log.info("notifier_started", worker=self.worker, channels=[c.name for c in self.channels])
        while not self.stopping.is_set():
            try:
                interval = self.settings.rules_interval_s
                if interval and time.monotonic() - last_rules >= interval:
                    self.run_rules()
                    last_rules = time.monotonic()
                handled = self.deliver_batch()
                not_ready = 0
            except (OperationalError, ProgrammingError) as exc:
                # the backend may still be creating or migrating the database: wait for it, longer
                # each time (1, 2, 4 ... 30 s) so a missing database is not a wall of warnings. At
                # start-up that is normal (`make run` starts both at once): a warning only once the
                # wait has lasted about half a minute
                not_ready += 1
                report = log.info if not_ready <= STARTUP_WAITS else log.warning
                report("notifier_database_not_ready", error=str(exc.orig)[:200], attempt=not_ready)
                self.stopping.wait(min(30.0, self.settings.poll_s * 2 ** (not_ready - 1)))
                continue
            if handled == 0:
                self.stopping.wait(self.settings.poll_s)
        log.info("notifier_stopped", worker=self.worker)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for channel in self.channels:
            channel.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)


def build() -> Notifier:
    personnel = personnel_settings()
    settings = notifier_settings()
    channels = default_channels(connector_settings(), settings.channel_timeout_s)
    return Notifier(make_engine(personnel.database_url), personnel, settings, channels)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="hrbot serve notifier", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run the rules, deliver what is due, exit")
    parser.add_argument("--no-rules", action="store_true", help="deliver only (the rules run elsewhere)")
    args = parser.parse_args(argv)
    notifier = build()
    if args.no_rules:
        notifier.settings.rules_interval_s = 0
    try:
        if args.once:
            counts = notifier.run_rules() if not args.no_rules else {}
            sent = notifier.drain()
            print(f"queued {sum(counts.values())} notices by rule {counts}; handled {sent}")
            return
        signal.signal(signal.SIGTERM, lambda *_: notifier.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: notifier.stopping.set())
        notifier.run_forever()
    finally:
        notifier.close()


if __name__ == "__main__":
    main()
