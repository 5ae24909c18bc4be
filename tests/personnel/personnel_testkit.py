"""Shared helpers and fixtures of the personnel backend tests (imported by conftest.py).

Every DB-backed test runs on SQLite and on PostgreSQL (``db`` is parametrized). A migrated and
seeded template database is built once per backend and test session; each test gets a fresh
copy (file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL), so tests never see
each other's changes. The PostgreSQL variants skip when 127.0.0.1:5432 is unreachable; their
databases are uniquely named and dropped at the end.

"Today" is pinned to 2026-11-23 (PERSONNEL_TODAY) so dates in assertions are stable.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from personnel.app.core.config import Settings
from personnel.app.db import make_engine, make_sessionmaker, migrate
from personnel.app.main import create_app
from personnel.app.seed import seed_if_empty

TODAY = date(2026, 11, 23)
TOKEN = "test-service-token"
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"
REPO = Path(__file__).resolve().parents[2]


def pg_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            pass
    except OSError:
        return False
    try:
        import psycopg

        with psycopg.connect(
            f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", connect_timeout=2
        ):
            return True
    except Exception:
        return False


def _pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def headers(emp: str | None, channel: str = "web") -> dict[str, str]:
    h = {"Authorization": f"Bearer {TOKEN}", "X-Channel": channel}
    if emp:
        h["X-Acting-Employee"] = emp
    return h


class Templates:
    """Builds one seeded template per backend lazily and hands out fresh copies."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.tag = uuid.uuid4().hex[:8]
        self.built: dict[str, str] = {}
        self.pg_dbs: list[str] = []

    def _build(self, url: str, today: date) -> None:
        engine = make_engine(url)
        migrate(engine)
        with make_sessionmaker(engine)() as session:
            seed_if_empty(session, today=today)
        engine.dispose()

    def fresh(self, backend: str) -> str:
        n = uuid.uuid4().hex[:8]
        if backend == "sqlite":
            if "sqlite" not in self.built:
                path = self.workdir / "template.db"
                self._build(f"sqlite:///{path}", TODAY)
                self.built["sqlite"] = str(path)
            target = self.workdir / f"t_{n}.db"
            shutil.copy(self.built["sqlite"], target)
            return f"sqlite:///{target}"
        if not pg_available():
            pytest.skip(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}")
        if "postgres" not in self.built:
            name = f"personnel_tmpl_{self.tag}"
            _pg_exec(f'CREATE DATABASE "{name}"')
            self.pg_dbs.append(name)
            self._build(f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}", TODAY)
            self.built["postgres"] = name
        name = f"personnel_t_{self.tag}_{n}"
        _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.built["postgres"]}"')
        self.pg_dbs.append(name)
        return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self) -> None:
        for name in reversed(self.pg_dbs):
            with contextlib.suppress(Exception):
                _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("personnel-db"))
    yield t
    t.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: Templates) -> str:
    """URL of a fresh, migrated and seeded database on each backend."""
    return templates.fresh(request.param)


def make_settings(url: str, today: date = TODAY) -> Settings:
    return Settings(PERSONNEL_DATABASE_URL=url, PERSONNEL_SERVICE_TOKEN=TOKEN, PERSONNEL_TODAY=today)


@dataclass
class Api:
    """A TestClient with helpers that send the identity headers."""

    client: TestClient
    url: str

    def get(self, path: str, emp: str | None = "E1001", **kw: object) -> httpx.Response:
        return self.client.get(path, headers=headers(emp), **kw)  # type: ignore[arg-type]

    def post(
        self, path: str, emp: str | None = "E1001", json: object = None, key: str | None = None, **kw: object
    ) -> httpx.Response:
        h = headers(emp)
        if key:
            h["Idempotency-Key"] = key
        return self.client.post(path, headers=h, json=json, **kw)  # type: ignore[arg-type]

    def patch(self, path: str, emp: str | None = "E1003", json: object = None) -> httpx.Response:
        return self.client.patch(path, headers=headers(emp), json=json)


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with TestClient(create_app(make_settings(db_url))) as client:
        yield Api(client, db_url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    base_url: str
    db_url: str
    proc: subprocess.Popen[bytes] | None = None


@contextlib.contextmanager
def run_server(
    db_url: str,
    today: date = TODAY,
    token: str = TOKEN,
    seed_demo: bool | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """The real service: ``python -m personnel`` in a subprocess on a free port (also used by the
    action tests, with the demo data seeded)."""
    port = free_port()
    env = {
        **os.environ,
        **(env or {}),
        "PERSONNEL_DATABASE_URL": db_url,
        "PERSONNEL_SERVICE_TOKEN": token,
        "PERSONNEL_TODAY": today.isoformat(),
        "PERSONNEL_URL": f"http://127.0.0.1:{port}",
    }
    if seed_demo is not None:
        env["PERSONNEL_SEED_DEMO"] = "true" if seed_demo else "false"
    proc = subprocess.Popen(
        [sys.executable, "-m", "personnel", "--log-level", "warning"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.1)
        yield LiveServer(base, db_url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def live(db_url: str) -> Iterator[LiveServer]:
    with run_server(db_url) as server:
        yield server
