"""A person deactivated in the system of record (SCIM from the identity provider) is refused on their
next chat message, although their sign-in token has not expired, and their Telegram link ends; the
real backend decides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.linking import LinkStore
from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.servers import RecordingRasa, ServerThread
from tests.connectors.test_telegram_bot import TOKEN as TG_TOKEN
from tests.connectors.test_telegram_bot import USER, running_bot

SCIM_TOKEN = "deactivation-scim-token"


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TG_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ServerThread]:
    """Its own backend: this test deactivates someone, which the shared one must not see."""
    from personnel.app.core.config import Settings
    from personnel.app.main import create_app

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'personnel.db'}",
        service_token=SERVICE_TOKEN,
        scim_token=SCIM_TOKEN,
    )
    with ServerThread(create_app(settings, seed=True)) as server:
        yield server


def test_deactivated_employee_next_message_is_refused(
    tmp_path: Path, rasa: RecordingRasa, backend: ServerThread
) -> None:
    from connectors.web.app import create_app

    settings: ConnectorSettings = make_settings(
        tmp_path, rasa.url, personnel_url=backend.url, personnel_service_token=SERVICE_TOKEN
    )
    with ServerThread(create_app(settings)) as gw:
        auth = {"Authorization": f"Bearer {issue_dev_token('E1001', settings)}"}
        ok = httpx.post(f"{gw.url}/api/chat", json={"message": "hello", "lang": "zh"}, headers=auth)
        assert ok.status_code == 200, ok.text
        before = len(rasa.requests)

        r = httpx.patch(
            f"{backend.url}/scim/v2/Users/E1001",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
            headers={"Authorization": f"Bearer {SCIM_TOKEN}"},
        )
        assert r.status_code == 200, r.text

        refused = httpx.post(
            f"{gw.url}/api/chat", json={"message": "我还有几天年假", "lang": "zh"}, headers=auth
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "account_inactive"
        assert "已停用" in refused.json()["error"]["message"]
        assert len(rasa.requests) == before  # the message never reached the assistant
        # someone else still chats
        other = {"Authorization": f"Bearer {issue_dev_token('E1002', settings)}"}
        assert httpx.post(f"{gw.url}/api/chat", json={"message": "hi"}, headers=other).status_code == 200


async def test_deactivated_employee_telegram_link_ends(
    tmp_path: Path, rasa: RecordingRasa, backend: ServerThread, fake_tg: FakeTelegram
) -> None:
    settings = make_settings(
        tmp_path,
        rasa.url,
        telegram_bot_token=TG_TOKEN,
        telegram_base_url=fake_tg.base_url,
        personnel_url=backend.url,
        personnel_service_token=SERVICE_TOKEN,
    )
    links = LinkStore(settings.link_database_url)
    links.link(USER, "E1001")
    async with running_bot(settings):
        fake_tg.message(USER, "my balance")
        await fake_tg.wait_for("sendMessage", USER, 1)
        assert len(rasa.requests) == 1
        async with httpx.AsyncClient() as client:
            r = await client.delete(
                f"{backend.url}/scim/v2/Users/E1001", headers={"Authorization": f"Bearer {SCIM_TOKEN}"}
            )
        assert r.status_code == 204
        fake_tg.message(USER, "my balance again")
        await fake_tg.wait_for("sendMessage", USER, 2)
    assert "no longer active" in fake_tg.sent_texts(USER)[1]
    assert len(rasa.requests) == 1  # the second message never reached the assistant
    assert links.employee_for(USER) is None  # the linked channel ended
