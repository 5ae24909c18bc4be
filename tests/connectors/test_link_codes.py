"""Telegram link codes: one-time, 10-minute, single use; issued only to signed-in web users."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from connectors.linking import CODE_ALPHABET, LinkStore
from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.servers import ServerThread

PG = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def store(tmp_path: Path) -> LinkStore:
    return LinkStore(f"sqlite:///{tmp_path / 'links.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LinkStore]:
    """The link store on SQLite (embedded default) and on PostgreSQL (HRBOT_LINK_DATABASE_URL)."""
    if request.param == "sqlite":
        yield store(tmp_path)
        return
    psycopg = pytest.importorskip("psycopg")
    name = f"hrbot_connectors_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    links = LinkStore(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    try:
        yield links
    finally:
        links.dispose()
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}"')


def test_store_on_each_database(any_store: LinkStore) -> None:
    big_telegram_id = 7_123_456_789  # Telegram ids no longer fit in 32 bits
    code, _ = any_store.create_code("E1001")
    assert any_store.link_with_code(big_telegram_id, code) == "E1001"
    assert any_store.consume_code(code) is None
    assert any_store.employee_for(big_telegram_id) == "E1001"
    key = any_store.put_payload("/x" * 50)
    assert any_store.get_payload(key) == "/x" * 50
    assert any_store.unlink(big_telegram_id) is True
    issued = datetime.now(timezone.utc)
    code, _ = any_store.create_code("E1002", now=issued)
    assert any_store.consume_code(code, now=issued + timedelta(minutes=11)) is None


def test_code_shape_and_single_use(tmp_path: Path) -> None:
    links = store(tmp_path)
    code, expires = links.create_code("E1001")
    assert 6 <= len(code) <= 8 and set(code) <= set(CODE_ALPHABET)
    assert timedelta(minutes=9) < expires - datetime.now(timezone.utc) <= timedelta(minutes=10)
    assert links.consume_code(code.lower()[:4] + " " + code.lower()[4:]) == "E1001"  # typed loosely
    assert links.consume_code(code) is None  # single use


def test_code_expires_after_ten_minutes(tmp_path: Path) -> None:
    links = store(tmp_path)
    issued = datetime.now(timezone.utc)
    code, _ = links.create_code("E1001", now=issued)
    assert links.consume_code(code, now=issued + timedelta(minutes=10, seconds=1)) is None
    code, _ = links.create_code("E1001", now=issued)
    assert links.consume_code(code, now=issued + timedelta(minutes=9, seconds=59)) == "E1001"


def test_new_code_revokes_previous(tmp_path: Path) -> None:
    links = store(tmp_path)
    first, _ = links.create_code("E1001")
    second, _ = links.create_code("E1001")
    assert links.consume_code(first) is None
    assert links.consume_code(second) == "E1001"


def test_unknown_code(tmp_path: Path) -> None:
    assert store(tmp_path).consume_code("ZZZZZZZZ") is None


def test_concurrent_consumers_only_one_wins(tmp_path: Path) -> None:
    links = store(tmp_path)
    code, _ = links.create_code("E1002")
    results: list[str | None] = []
    threads = [threading.Thread(target=lambda: results.append(links.consume_code(code))) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results.count("E1002") == 1


def test_link_and_unlink(tmp_path: Path) -> None:
    links = store(tmp_path)
    code, _ = links.create_code("E1001")
    assert links.link_with_code(4242, code) == "E1001"
    assert links.employee_for(4242) == "E1001"
    assert links.unlink(4242) is True
    assert links.employee_for(4242) is None
    assert links.unlink(4242) is False


def test_codes_are_stored_hashed(tmp_path: Path) -> None:
    links = store(tmp_path)
    code, _ = links.create_code("E1001")
    raw = (tmp_path / "links.db").read_bytes()
    assert code.encode() not in raw


def test_long_payload_keys(tmp_path: Path) -> None:
    links = store(tmp_path)
    payload = '/request_leave{"leave_type": "annual", "start": "2026-12-01", "end": "2026-12-03", "x": 1}'
    key = links.put_payload(payload)
    assert len(key) <= 16 and links.get_payload(key) == payload
    assert links.put_payload(payload) == key  # idempotent
    assert links.get_payload("nope") is None


def test_link_code_endpoint(gateway: ServerThread, settings: ConnectorSettings) -> None:
    assert httpx.post(f"{gateway.url}/api/telegram/link-code").status_code == 401
    headers = {"Authorization": f"Bearer {issue_dev_token('E1001', settings)}"}
    r = httpx.post(f"{gateway.url}/api/telegram/link-code", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expires_in"] == 600 and len(body["code"]) == 8
    # the gateway and the bot share the store (same database URL)
    assert LinkStore(settings.link_database_url).consume_code(body["code"]) == "E1001"
