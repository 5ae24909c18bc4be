"""Fixtures for the action tests: a REAL personnel backend on a temporary SQLite database (one per
test session, on a free port), action settings pointing at it, and rasa_sdk trackers.

Nothing of ours is mocked: the actions talk HTTP to the real service, as in production. Tests that
create data use their own dates so they do not depend on each other's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.helpers import BACKEND_TODAY, IDENTITY_SECRET, REPO, TOKEN, Backend
from tests.personnel.personnel_testkit import run_server


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The personnel service (``python -m personnel``) migrated and seeded on a temp SQLite DB."""
    db = tmp_path_factory.mktemp("personnel") / "personnel.db"
    with run_server(
        f"sqlite:///{db}", today=date.fromisoformat(BACKEND_TODAY), token=TOKEN, seed_demo=True
    ) as server:
        yield Backend(server.base_url)


@pytest.fixture
def action_settings(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the action server's settings at the test backend (settings are cached: clear them)."""
    from actions.settings import get_settings

    monkeypatch.setenv("PERSONNEL_URL", backend.url)
    monkeypatch.setenv("PERSONNEL_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("HRBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    monkeypatch.setenv("HRBOT_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("HRBOT_TODAY", BACKEND_TODAY)  # the actions' "today" is the backend's
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
