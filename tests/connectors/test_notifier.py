"""The notifier as users run it (`hrbot serve notifier`), against the real personnel backend process
over HTTP and a FAKE Telegram Bot API server (the only stand-in: a third-party service).

* a manager's decision reaches the employee's linked Telegram account exactly once, in their
  language, with the reason; an unlinked chat gets nothing; the web inbox has it too;
* with "today" pinned to 1 December the year-end run notifies exactly those with unused annual leave,
  once; running the rules again sends nothing;
* on PostgreSQL two notifier instances share the outbox; one is stopped mid-batch (SIGTERM) and
  restarted: every notice arrives exactly once; killed outright (SIGKILL) instead, nothing is lost
  and only the messages on the wire at the kill (at most NOTIFY_CONCURRENCY, marked in the outbox)
  may arrive twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.linking import LinkStore
from personnel.app.db import make_engine
from personnel.app.models import Notification
from personnel.app.services import notifications as outbox
from tests.connectors.conftest import REPO
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.servers import free_port

TOKEN = "123456:notifier-test-token"
SERVICE_TOKEN = "notifier-test-service-token"
HRBOT = str(Path(sys.executable).parent / "hrbot")
PG = "127.0.0.1", 5432


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Backend:
    """The personnel backend and notifier processes, with the env they share."""

    workdir: Path
    db_url: str
    today: str
    fake: FakeTelegram
    extra: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "HRBOT_DATA_DIR": str(self.workdir),
            "PERSONNEL_DATABASE_URL": self.db_url,
            "PERSONNEL_URL": f"http://127.0.0.1:{self.port}",
            "PERSONNEL_SERVICE_TOKEN": SERVICE_TOKEN,
            "PERSONNEL_TODAY": self.today,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.fake.base_url,
            "HRBOT_LINK_DATABASE_URL": f"sqlite:///{self.workdir / 'connectors.db'}",
            # the demo configuration, chosen explicitly (production is the default)
            "HRBOT_ENV": "development",
            "NOTIFY_QUIET_HOURS": "",
            "NOTIFY_POLL_S": "0.1",
            "NOTIFY_BACKOFF_S": "0.5",
            "PYTHONPATH": os.pathsep.join([str(REPO / "bot"), str(REPO), os.environ.get("PYTHONPATH", "")]),
            **self.extra,
        }
        self.links = LinkStore(self.env["HRBOT_LINK_DATABASE_URL"])

    @property
    def url(self) -> str:
        return self.env["PERSONNEL_URL"]

    def spawn(self, name: str, process: str, **env: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [HRBOT, "serve", process],
            cwd=REPO,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_personnel(self) -> None:
        self.spawn("personnel", "personnel")

        def up() -> bool:
            try:
                return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 90, "the personnel backend")

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def terminate(self, name: str) -> None:
        """SIGTERM, as a deploy or `kill` stops a process, and wait for it to exit."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.links.dispose()

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def call(self, method: str, path: str, emp: str, json: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": emp, "X-Channel": "web"}
        return httpx.request(method, self.url + path, headers=headers, json=json, timeout=20)

    def count(self, **where: Any) -> int:
        engine = make_engine(self.db_url, immediate=False)
        try:
            with Session(engine) as s:
                q = select(func.count()).select_from(Notification)
                for key, value in where.items():
                    q = q.where(getattr(Notification, key) == value)
                return int(s.scalar(q) or 0)
        finally:
            engine.dispose()


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def backend_factory(tmp_path: Path, fake_tg: FakeTelegram) -> Iterator[Callable[..., Backend]]:
    made: list[Backend] = []

    def make(db_url: str | None = None, today: str = "2026-11-23", **extra: str) -> Backend:
        b = Backend(tmp_path, db_url or f"sqlite:///{tmp_path / 'personnel.db'}", today, fake_tg, extra)
        made.append(b)
        b.start_personnel()
        return b

    yield make
    for b in made:
        b.stop()


def test_a_decision_reaches_the_linked_telegram_account_once(
    backend_factory: Callable[..., Backend], fake_tg: FakeTelegram
) -> None:
    b = backend_factory()
    employee_chat, stranger_chat = 4101, 4999
    b.links.link(employee_chat, "E1001")  # E1001 prefers Chinese (demo data)
    b.spawn("notifier", "notifier", NOTIFY_RULES_INTERVAL_S="0")
    r = b.call(
        "POST",
        "/leave/applications",
        "E1001",
        {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-08"},
    )
    assert r.status_code == 201, r.text
    leave_id = r.json()["id"]
    r = b.call(
        "POST",
        f"/leave/applications/{leave_id}/decision",
        "E1002",
        {"approve": False, "reason": "年底项目上线"},
    )
    assert r.status_code == 200, r.text
    wait_until(lambda: fake_tg.sent_texts(employee_chat), 30, "the Telegram notice\n" + b.log("notifier"))
    time.sleep(1.5)  # several more polls: nothing else may arrive
    (text,) = fake_tg.sent_texts(employee_chat)
    assert f"#{leave_id}" in text and "驳回" in text and "年底项目上线" in text
    assert "您收到此通知" in text and "不再提醒" in text  # the reason and how to turn it off
    assert fake_tg.sent_texts(stranger_chat) == []
    # the manager has no Telegram link: the "waiting for you" notice is in their web inbox only
    inbox = b.call("GET", "/notifications", "E1002").json()
    assert [n["kind"] for n in inbox["notices"]] == ["leave_pending_approval"]
    assert inbox["notices"][0]["channel"] == "web"
    mine = b.call("GET", "/notifications", "E1001").json()["notices"]
    assert [(n["kind"], n["channel"]) for n in mine] == [("leave_decided", "web,telegram")]


def test_a_failing_send_is_retried_with_backoff_and_recorded(
    backend_factory: Callable[..., Backend], fake_tg: FakeTelegram
) -> None:
    b = backend_factory()
    b.links.link(4102, "E1004")
    fake_tg.fail_sends = [502, 502, 502, 502]  # the first attempt's three tries and one more
    b.spawn("notifier", "notifier", NOTIFY_RULES_INTERVAL_S="0")
    r = b.call(
        "POST",
        "/leave/applications",
        "E1004",
        {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-07"},
    )
    assert r.status_code == 201, r.text
    # E1004's manager decides
    approver = r.json()["approver_id"]
    b.call("POST", f"/leave/applications/{r.json()['id']}/decision", approver, {"approve": True})
    wait_until(lambda: fake_tg.sent_texts(4102), 30, "the retried notice\n" + b.log("notifier"))
    time.sleep(1.0)
    assert len(fake_tg.sent_texts(4102)) == 1
    engine = make_engine(b.db_url, immediate=False)
    with Session(engine) as s:
        n = s.scalars(select(Notification).where(Notification.kind == "leave_decided")).one()
        assert n.status == "sent" and n.attempts == 2 and "502" in (n.last_error or "")
    engine.dispose()


def test_year_end_run_notifies_unused_leave_once_and_no_one_else(
    backend_factory: Callable[..., Backend], fake_tg: FakeTelegram
) -> None:
    b = backend_factory(today="2026-12-01", NOTIFY_DAILY_CAP="0")
    employees = [e["id"] for e in b.call("GET", "/employees", "E1003").json() if e["status"] != "left"]
    chats = {emp: 6000 + i for i, emp in enumerate(employees)}
    for emp, chat in chats.items():
        b.links.link(chat, emp)
    unused = {
        emp
        for emp in employees
        if any(
            x["leave_type"] == "annual" and x["balance"] > 0
            for x in b.call("GET", f"/leave/balances?employee_id={emp}", "E1003").json()
        )
    }
    assert unused and unused != set(employees)  # some have used all their leave: they hear nothing
    b.spawn("notifier", "notifier")  # the rules run at start

    def leave_notices() -> dict[int, list[str]]:
        return {
            chat: [t for t in fake_tg.sent_texts(chat) if "年假" in t or "annual leave" in t.lower()]
            for chat in chats.values()
        }

    wait_until(lambda: sum(1 for v in leave_notices().values() if v) >= len(unused), 60, "year-end notices")
    # the same run also chased missing training hours: let the notifier finish everything it queued
    wait_until(lambda: b.count(status="pending") == 0, 60, "the run's other notices")
    b.kill("notifier")
    got = leave_notices()
    assert {emp for emp, chat in chats.items() if got[chat]} == unused
    assert all(len(v) <= 1 for v in got.values())
    sent_before = len(fake_tg.calls_of("sendMessage"))
    # the scheduled run again (a second day's run, a restart): nothing new is queued or sent
    out = subprocess.run(
        [sys.executable, "-m", "connectors.notify", "--once"],
        cwd=REPO,
        env=b.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "queued 0 notices" in out.stdout
    assert b.count(kind="leave_unused_year_end") == len(unused)
    assert len(fake_tg.calls_of("sendMessage")) == sent_before


def _pg_url() -> str:
    psycopg = pytest.importorskip("psycopg")
    try:
        with psycopg.connect(f"host={PG[0]} port={PG[1]} user=postgres dbname=postgres", connect_timeout=2):
            pass
    except Exception:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"notifier_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"host={PG[0]} port={PG[1]} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@{PG[0]}:{PG[1]}/{name}"


def _drop_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host={PG[0]} port={PG[1]} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TOTAL = 200


def _queue_markers(b: Backend, url: str) -> None:
    """200 notices over 20 linked employees, each text carrying a marker the fake Bot API can count."""
    employees = [e["id"] for e in b.call("GET", "/employees", "E1003").json()][:20]
    for i, emp in enumerate(employees):
        b.links.link(7000 + i, emp)
    engine = make_engine(url)
    with Session(engine) as s:
        for i in range(TOTAL):
            outbox.notify(
                s,
                employee_id=employees[i % len(employees)],
                kind="case_reply",
                params={"case_id": i, "text": f"marker-{i:04d}"},
                dedupe_key=f"kill-test:{i}",
            )
        s.commit()
    engine.dispose()


def _delivered(fake_tg: FakeTelegram) -> Counter[str]:
    markers: Counter[str] = Counter()
    for call in fake_tg.calls_of("sendMessage"):
        for word in call.params.get("text", "").split():
            if word.startswith("marker-"):
                markers[word] += 1
    return markers


def _outbox_rows(url: str) -> tuple[set[str], set[str]]:
    """(markers of notices the outbox marks as interrupted on the wire, instances that sent)"""
    engine = make_engine(url)
    with Session(engine) as s:
        rows = s.scalars(select(Notification).where(Notification.dedupe_key.like("kill-test:%"))).all()
        interrupted = {
            f"marker-{n.params['case_id']:04d}" for n in rows if "interrupted" in (n.last_error or "")
        }
        workers = {n.claimed_by.rsplit(":", 2)[1] for n in rows if n.claimed_by}
    engine.dispose()
    return interrupted, workers


def _two_notifiers_one_stopped(
    backend_factory: Callable[..., Backend],
    fake_tg: FakeTelegram,
    *,
    batch: int,
    lease_s: int,
    send_delay_s: float,
    stop: Callable[[Backend], None],
) -> tuple[Counter[str], set[str], set[str]]:
    """Two notifiers on PostgreSQL share 200 notices; after a quarter, ``stop`` ends instance "a" and
    a third starts. Returns what the fake Bot API got (marker -> times), the markers the outbox calls
    interrupted, and the instances that sent."""
    url = _pg_url()
    b = backend_factory(
        db_url=url,
        NOTIFY_DAILY_CAP="0",
        NOTIFY_RULES_INTERVAL_S="0",
        NOTIFY_BATCH_SIZE=str(batch),
        NOTIFY_LEASE_S=str(lease_s),
        NOTIFY_CONCURRENCY="2",
    )
    try:
        _queue_markers(b, url)
        fake_tg.send_delay_s = send_delay_s
        b.spawn("a", "notifier")
        b.spawn("b", "notifier")
        wait_until(lambda: len(_delivered(fake_tg)) >= TOTAL // 4, 60, "a quarter delivered\n" + b.log("a"))
        stop(b)
        b.spawn("a2", "notifier")
        wait_until(lambda: b.count(status="sent") == TOTAL, 90, "every notice sent\n" + b.log("b"))
        for name in ("b", "a2"):  # stopped, nothing more can arrive: what the API got is final
            b.terminate(name)
        interrupted, workers = _outbox_rows(url)
        return _delivered(fake_tg), interrupted, workers
    finally:
        b.stop()
        _drop_pg(url)


@pytest.mark.postgres
def test_two_notifiers_on_postgres_one_stopped_mid_batch_send_each_notice_once(
    backend_factory: Callable[..., Backend], fake_tg: FakeTelegram
) -> None:
    """The way processes are stopped (SIGTERM: a deploy, `kill`, Ctrl-C): the calls on the wire
    finish and are recorded, the rest of the batch is given back at once (the lease is long, so
    waiting for it to lapse would fail the test), and every notice arrives exactly once."""

    def terminate(b: Backend) -> None:
        b.terminate("a")  # mid-batch: a batch of 40 takes ~1 s at this pace
        assert "notices_released" in b.log("a"), b.log("a")

    got, interrupted, workers = _two_notifiers_one_stopped(
        backend_factory, fake_tg, batch=40, lease_s=300, send_delay_s=0.05, stop=terminate
    )
    assert set(got) == {f"marker-{i:04d}" for i in range(TOTAL)}  # nothing lost
    assert [m for m, n in got.items() if n > 1] == []  # nothing twice
    assert interrupted == set()
    assert len(workers) >= 2  # the instances shared the work


@pytest.mark.postgres
def test_two_notifiers_on_postgres_one_killed_outright_resend_only_what_was_on_the_wire(
    backend_factory: Callable[..., Backend], fake_tg: FakeTelegram
) -> None:
    """SIGKILL (a crash, power loss): nothing is lost; the only notices that may arrive twice are
    those whose channel call had started (at most NOTIFY_CONCURRENCY), and the outbox names them.
    A chat API without idempotency keys cannot tell whether an interrupted call reached the person."""
    got, interrupted, workers = _two_notifiers_one_stopped(
        backend_factory,
        fake_tg,
        batch=10,
        lease_s=3,
        send_delay_s=0.02,
        stop=lambda b: b.kill("a"),  # SIGKILL in the middle of its batch: no clean shutdown
    )
    assert set(got) == {f"marker-{i:04d}" for i in range(TOTAL)}  # nothing lost
    twice = {m for m, n in got.items() if n > 1}
    # the rest of the killed instance's batch (leased, never on the wire) is not marked
    assert len(interrupted) <= 2 and twice <= interrupted, (twice, interrupted)
    assert len(workers) >= 2
