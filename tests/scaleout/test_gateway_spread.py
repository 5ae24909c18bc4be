"""The gateway spreads messages over several Rasa servers (RASA_URLS) and skips one that is down.

Fast and without the stack: the Rasa servers here are the connector tests' recording stand-ins
(tests/connectors/servers.py), so we can see which server got which message. That conversations
really continue across real Rasa servers is shown by test_scaleout.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.settings import ConnectorSettings
from connectors.web.app import create_app
from connectors.web.tokens import issue_dev_token
from tests.connectors.servers import RecordingRasa, ServerThread, free_port

JWT_SECRET = "scaleout-test-jwt-secret-0123456789abcdef0123"
IDENTITY_SECRET = "scaleout-test-identity-secret-0123456789abcdef"


def settings_for(tmp_path: Path, rasa_urls: str) -> ConnectorSettings:
    return ConnectorSettings(
        _env_file=None,
        hrbot_data_dir=tmp_path / "var",
        rasa_url="http://127.0.0.1:9",  # RASA_URLS wins over RASA_URL
        rasa_urls=rasa_urls,
        rasa_timeout_s=5.0,
        hrbot_jwt_secret=JWT_SECRET,
        hrbot_identity_secret=IDENTITY_SECRET,
    )


def test_rasa_urls_replace_rasa_url() -> None:
    urls = " http://b:1/, http://c:2 "
    settings = ConnectorSettings(_env_file=None, rasa_url="http://a:5005", rasa_urls=urls)
    assert settings.rasa_url_list == ["http://b:1", "http://c:2"]
    assert ConnectorSettings(_env_file=None, rasa_url="http://a:5005/").rasa_url_list == ["http://a:5005"]


def test_consecutive_messages_of_one_conversation_go_to_each_server_in_turn(tmp_path: Path) -> None:
    a, b = RecordingRasa().start(), RecordingRasa().start()
    try:
        settings = settings_for(tmp_path, f"{a.url},{b.url}")
        bearer = {"Authorization": f"Bearer {issue_dev_token('E1001', settings)}"}
        with ServerThread(create_app(settings)) as gateway:
            for text in ["one", "two", "three", "four"]:
                body = {"message": text}
                reply = httpx.post(f"{gateway.url}/api/chat", json=body, headers=bearer, timeout=10)
                assert reply.status_code == 200, reply.text
                assert reply.json()["messages"] == [{"text": f"echo: {text}"}]
        assert [r["message"] for r in a.requests] == ["one", "three"]
        assert [r["message"] for r in b.requests] == ["two", "four"]
        assert {r["sender"] for r in a.requests + b.requests} == {"web:E1001"}
    finally:
        a.stop()
        b.stop()


def test_a_server_that_is_down_is_skipped_and_nothing_is_lost(tmp_path: Path) -> None:
    alive = RecordingRasa().start()
    try:
        settings = settings_for(tmp_path, f"http://127.0.0.1:{free_port()},{alive.url}")
        with ServerThread(create_app(settings)) as gateway:
            for text in ["one", "two", "three"]:
                reply = httpx.post(f"{gateway.url}/api/chat", json={"message": text}, timeout=10)
                assert reply.status_code == 200, reply.text
        assert [r["message"] for r in alive.requests] == ["one", "two", "three"]
    finally:
        alive.stop()


def test_all_servers_down_is_a_clean_503(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}")
    with ServerThread(create_app(settings)) as gateway:
        reply = httpx.post(f"{gateway.url}/api/chat", json={"message": "hi"}, timeout=10)
    assert reply.status_code == 503 and reply.json()["error"]["code"] == "rasa_unavailable", reply.text
