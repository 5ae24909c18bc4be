"""Shared fixtures for connector tests: settings, the Rasa stand-in, a live gateway."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # so helpers import as tests.connectors.* (namespace package)
    sys.path.insert(0, str(REPO))
if importlib.util.find_spec("hrbot") is None:  # editable install without the bot/hrbot mapping
    sys.path.insert(0, str(REPO / "bot"))

from connectors.settings import ConnectorSettings  # noqa: E402
from tests.connectors.servers import RecordingRasa, ServerThread  # noqa: E402

JWT_SECRET = "test-web-jwt-secret-0123456789abcdef0123456789"
IDENTITY_SECRET = "test-identity-secret-0123456789abcdef01234567"
SERVICE_TOKEN = "connectors-test-service-token"


@pytest.fixture(scope="session")
def rasa_standin() -> Iterator[RecordingRasa]:
    rasa = RecordingRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture
def rasa(rasa_standin: RecordingRasa) -> Iterator[RecordingRasa]:
    """The session's Rasa stand-in, reset to echo replies for each test."""
    from tests.connectors.servers import echo_responder

    rasa_standin.clear()
    rasa_standin.responder = echo_responder
    rasa_standin.fail_with = None
    rasa_standin.delays = {}
    yield rasa_standin


def make_settings(tmp_path: Path, rasa_url: str, **overrides: object) -> ConnectorSettings:
    values: dict[str, object] = {
        "hrbot_data_dir": tmp_path / "var",
        "rasa_url": rasa_url,
        "rasa_timeout_s": 5.0,
        "hrbot_jwt_secret": JWT_SECRET,
        "hrbot_identity_secret": IDENTITY_SECRET,
        "hrbot_dev_login": True,
        "personnel_url": "http://127.0.0.1:9",
        "personnel_service_token": "test-service-token",
    }
    values.update(overrides)
    return ConnectorSettings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path, rasa: RecordingRasa) -> ConnectorSettings:
    return make_settings(tmp_path, rasa.url)


@pytest.fixture
def gateway(settings: ConnectorSettings) -> Iterator[ServerThread]:
    """The real gateway app served by uvicorn on a free port."""
    from connectors.web.app import create_app

    with ServerThread(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="session")
def personnel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The real personnel backend (seeded demo organisation: E1003 is the HR admin) on a free port."""
    from personnel.app.core.config import Settings
    from personnel.app.main import create_app

    db = tmp_path_factory.mktemp("personnel") / "personnel.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{db}", service_token=SERVICE_TOKEN)
    with ServerThread(create_app(settings, seed=True)) as server:
        yield server


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real knowledge base on a temporary Chroma store."""
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    path = tmp_path_factory.mktemp("chroma")
    return KnowledgeBase(KnowledgeSettings(_env_file=None, knowledge_chroma_path=path))
