"""Notifier throughput (notices/s) and delivery latency from the change to the channel call.

Runs the real processes: the personnel backend (``hrbot serve personnel``) and one or two notifiers
(``hrbot serve notifier``), on a temporary SQLite database or a fresh PostgreSQL one, with Telegram
played by the local fake Bot API server (tests/connectors/fake_telegram.py), which records when each
``sendMessage`` arrives.

* throughput: N notices queued at once, every employee linked to Telegram; notices per second
  between the first and the last ``sendMessage`` (process start-up excluded);
* latency: a manager's decision over HTTP, then the time until the employee's ``sendMessage``
  arrives, p50/p95 over K decisions (dominated by NOTIFY_POLL_S, the idle polling interval).

Run from the repository root::

    .venv/bin/python -m bench.notifier_bench --quick            # seconds
    .venv/bin/python -m bench.notifier_bench --notices 2000 --decisions 30 [--postgres --instances 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
TOKEN = "555000:bench-notifier-token"
SERVICE_TOKEN = "bench-notifier-service-token"
HRBOT = str(Path(sys.executable).parent / "hrbot")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


class Rig:
    """The processes of one measurement and their shared settings."""

    def __init__(self, workdir: Path, db_url: str, poll_s: float) -> None:
        sys.path.insert(0, str(REPO))
        from tests.connectors.fake_telegram import FakeTelegram
        from tests.connectors.servers import free_port

        self.fake = FakeTelegram(TOKEN).start()
        self.port = free_port()
        self.db_url = db_url
        self.env = {
            **os.environ,
            "HRBOT_DATA_DIR": str(workdir),
            "PERSONNEL_DATABASE_URL": db_url,
            "PERSONNEL_URL": f"http://127.0.0.1:{self.port}",
            "PERSONNEL_SERVICE_TOKEN": SERVICE_TOKEN,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.fake.base_url,
            "HRBOT_LINK_DATABASE_URL": f"sqlite:///{workdir / 'connectors.db'}",
            # the demo configuration, chosen explicitly (production is the default)
            "HRBOT_ENV": "development",
            "NOTIFY_QUIET_HOURS": "",
            "NOTIFY_DAILY_CAP": "0",
            "NOTIFY_RULES_INTERVAL_S": "0",
            "NOTIFY_POLL_S": str(poll_s),
            "NOTIFY_BATCH_SIZE": "100",
            "PERSONNEL_TODAY": "2026-11-23",
        }
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, process: str) -> None:
        log = open(self.workdir / f"{process}-{len(self.procs)}.log", "ab")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [HRBOT, "serve", process],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    @property
    def url(self) -> str:
        return self.env["PERSONNEL_URL"]

    def start_backend(self) -> None:
        self.spawn("personnel")

        def up() -> bool:
            try:
                return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(up, 120, "the personnel backend")

    def call(self, method: str, path: str, emp: str, body: Any = None) -> Any:
        h = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": emp, "X-Channel": "bench"}
        r = httpx.request(method, self.url + path, headers=h, json=body, timeout=30)
        r.raise_for_status()
        return r.json()

    def link_everyone(self) -> dict[str, int]:
        from connectors.linking import LinkStore

        employees = [e["id"] for e in self.call("GET", "/employees", "E1003") if e["status"] != "left"]
        links = LinkStore(self.env["HRBOT_LINK_DATABASE_URL"])
        chats = {emp: 900000 + i for i, emp in enumerate(employees)}
        for emp, chat in chats.items():
            links.link(chat, emp)
        links.dispose()
        return chats

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.fake.stop()


def throughput(rig: Rig, chats: dict[str, int], notices: int, instances: int) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from personnel.app.db import make_engine
    from personnel.app.services.notifications import notify

    employees = list(chats)
    engine = make_engine(rig.db_url)
    with Session(engine) as s:
        for i in range(notices):
            notify(
                s,
                employee_id=employees[i % len(employees)],
                kind="case_reply",
                params={"case_id": i, "text": f"bench notice {i}"},
                dedupe_key=f"bench:{uuid.uuid4().hex}",
            )
        s.commit()
    engine.dispose()
    before = len(rig.fake.calls_of("sendMessage"))
    for _ in range(instances):
        rig.spawn("notifier")
    _wait(lambda: len(rig.fake.calls_of("sendMessage")) - before >= notices, 600, "every notice")
    calls = rig.fake.calls_of("sendMessage")[before:]
    span = max(c.at for c in calls) - min(c.at for c in calls)
    return {
        "notices": notices,
        "instances": instances,
        "seconds": round(span, 3),
        "notices_per_s": round(notices / span, 1) if span > 0 else None,
    }


def latency(rig: Rig, chats: dict[str, int], decisions: int) -> dict[str, Any]:
    """Each decision is timed from the backend's answer (the change committed) to the channel call."""
    samples = []
    days = [date(2026, 12, 1) + timedelta(days=n) for n in range(28)]
    workdays = [d.isoformat() for d in days if d.weekday() < 5]
    candidates = [e for e in chats if e != "E1003"]
    for i in range(decisions * 3):
        if len(samples) >= decisions:
            break
        emp = candidates[i % len(candidates)]
        chat = chats[emp]
        day = workdays[(i // len(candidates)) % len(workdays)]
        try:
            app = rig.call(
                "POST", "/leave/applications", emp, {"leave_type": "annual", "from_date": day, "to_date": day}
            )
        except httpx.HTTPStatusError:
            continue  # no balance left, or no manager: the next employee
        if app is None or not app.get("approver_id"):
            continue
        seen = len(rig.fake.calls_of("sendMessage", chat))
        rig.call("POST", f"/leave/applications/{app['id']}/decision", app["approver_id"], {"approve": True})
        changed = time.monotonic()
        _wait(lambda chat=chat, seen=seen: len(rig.fake.calls_of("sendMessage", chat)) > seen, 60, "a notice")
        samples.append(rig.fake.calls_of("sendMessage", chat)[seen].at - changed)
    ms = sorted(s * 1000 for s in samples)
    return {
        "decisions": len(ms),
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 1) if ms else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "poll_s": float(rig.env["NOTIFY_POLL_S"]),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="python -m bench.notifier_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 notices, 5 decisions (seconds)")
    ap.add_argument("--notices", type=int, default=2000)
    ap.add_argument("--decisions", type=int, default=30)
    ap.add_argument(
        "--instances", type=int, default=1, help="notifier instances (PostgreSQL for more than 1)"
    )
    ap.add_argument("--postgres", action="store_true", help="a fresh database on 127.0.0.1:5432")
    ap.add_argument("--poll-s", type=float, default=1.0, help="NOTIFY_POLL_S of the notifiers")
    ap.add_argument(
        "--channel-ms", type=float, default=0.0, help="the fake Bot API answers after this long (network RTT)"
    )
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    if args.quick:
        args.notices, args.decisions = 200, 5
    if args.instances > 1 and not args.postgres:
        raise SystemExit("several notifier instances need PostgreSQL (--postgres); SQLite runs one")
    pg_name = None
    with tempfile.TemporaryDirectory(prefix="notifier-bench-") as tmp:
        if args.postgres:
            import psycopg

            pg_name = f"notifier_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{pg_name}"')
            db_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
        else:
            db_url = f"sqlite:///{Path(tmp) / 'personnel.db'}"
        rig = Rig(Path(tmp), db_url, args.poll_s)
        rig.fake.send_delay_s = args.channel_ms / 1000
        try:
            rig.start_backend()
            chats = rig.link_everyone()
            result = {
                "database": "postgresql" if args.postgres else "sqlite",
                "channel_ms": args.channel_ms,
                "throughput": throughput(rig, chats, args.notices, args.instances),
                "latency": latency(rig, chats, args.decisions),
            }
        finally:
            rig.stop()
            if pg_name:
                import psycopg

                with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    t, lat = result["throughput"], result["latency"]
    print(
        f"| notifier ({result['database']}, {t['instances']} instance(s), channel {args.channel_ms:g} ms) "
        f"| {t['notices']} notices in "
        f"{t['seconds']} s = **{t['notices_per_s']} notices/s** | change → Telegram call p50 "
        f"{lat['p50_ms']} ms, p95 {lat['p95_ms']} ms (poll {lat['poll_s']} s, {lat['decisions']} decisions) |"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
