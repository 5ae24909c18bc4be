"""Fixtures for the action tests: a REAL personnel backend on a temporary SQLite database (one per
test session, on a free port), action settings pointing at it, and rasa_sdk trackers.

Nothing of ours is mocked: the actions talk HTTP to the real service, as in production. Tests that
create data use their own dates so they do not depend on each other's order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.helpers import BACKEND_TODAY, IDENTITY_SECRET, REPO, TOKEN, Backend, free_port


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The personnel service (uvicorn, create_app factory) migrated and seeded on a temp DB."""
    db = tmp_path_factory.mktemp("personnel") / "personnel.db"
    port = free_port()
    env = {
        **os.environ,
        "PERSONNEL_DATABASE_URL": f"sqlite:///{db}",
        "PERSONNEL_SERVICE_TOKEN": TOKEN,
        "PERSONNEL_TODAY": BACKEND_TODAY,
        "PERSONNEL_SEED_DEMO": "true",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "personnel.app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"backend exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("backend did not start in 60 s")
            time.sleep(0.2)
        yield Backend(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def action_settings(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the action server's settings at the test backend (settings are cached: clear them)."""
    from actions.settings import get_settings

    monkeypatch.setenv("PERSONNEL_URL", backend.url)
    monkeypatch.setenv("PERSONNEL_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("HRBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("HRBOT_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The merged domain (responses are what explain_error looks up)."""
    merged: dict[str, Any] = {"responses": {}, "slots": {}, "forms": {}}
    for path in sorted((REPO / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in merged:
            merged[key].update(data.get(key) or {})
    return merged


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
