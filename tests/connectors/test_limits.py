"""Abuse limits (issue 17): per-user and per-address rate limits with Retry-After on the chat API,
link codes and uploads; guessing Telegram link codes is limited per user and across all users, and
the limits outlive a restart of the bot."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from connectors.limits import RateLimit
from connectors.linking import CODE_ALPHABET, CODE_LENGTH, LinkStore
from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.servers import RecordingRasa, ServerThread
from tests.connectors.test_telegram_bot import USER, fake_tg, running_bot  # noqa: F401


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_tells_how_long_to_wait() -> None:
    clock = Clock()
    limit = RateLimit(3, 60, clock=clock)
    assert [limit.hit("a") for _ in range(3)] == [0, 0, 0]
    clock.now += 20
    assert limit.hit("a") == 40, "the oldest of the 3 leaves the window in 40 s"
    assert limit.hit("b") == 0, "another key has its own budget"
    clock.now += 39.5
    assert limit.hit("a") == 1
    clock.now += 0.5
    assert limit.hit("a") == 0, "waiting as told gets through (refusals were not counted)"
    assert RateLimit(0, 60, clock=clock).hit("a") == 0, "0 switches a limit off"


def bearer(settings: ConnectorSettings, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(who, settings)}"}


def serve(settings: ConnectorSettings, knowledge: Any = None) -> ServerThread:
    from connectors.web.app import create_app

    app = create_app(settings)
    if knowledge is not None:
        app.state.knowledge = knowledge
    return ServerThread(app)


def test_chat_is_limited_per_user_with_retry_after(tmp_path: Path, rasa: RecordingRasa) -> None:
    settings = make_settings(tmp_path, rasa.url, hrbot_chat_per_minute=3)
    with serve(settings) as gw:
        chat = f"{gw.url}/api/chat"
        ok = [
            httpx.post(chat, json={"message": f"hi {i}"}, headers=bearer(settings, "E1001")) for i in range(3)
        ]
        assert [r.status_code for r in ok] == [200, 200, 200]
        refused = httpx.post(
            chat, json={"message": "one more", "lang": "zh"}, headers=bearer(settings, "E1001")
        )
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["error"]["code"] == "rate_limited"
        assert "秒后再试" in refused.json()["error"]["message"]
        assert [r["message"] for r in rasa.requests] == ["hi 0", "hi 1", "hi 2"], "nothing reached Rasa"
        # another employee is not affected
        assert httpx.post(chat, json={"message": "hi"}, headers=bearer(settings, "E1002")).status_code == 200


def test_new_anonymous_sessions_do_not_escape_the_per_address_limit(
    tmp_path: Path, rasa: RecordingRasa
) -> None:
    settings = make_settings(tmp_path, rasa.url, hrbot_requests_per_minute_per_ip=5)
    with serve(settings) as gw:
        codes = [
            httpx.post(
                f"{gw.url}/api/chat", json={"message": "hi", "session_id": str(uuid.uuid4())}
            ).status_code
            for _ in range(7)
        ]
    assert codes == [200] * 5 + [429] * 2


def test_link_codes_are_limited_per_user(tmp_path: Path, rasa: RecordingRasa) -> None:
    settings = make_settings(tmp_path, rasa.url, hrbot_link_codes_per_hour=2)
    with serve(settings) as gw:
        url = f"{gw.url}/api/telegram/link-code"
        codes = [httpx.post(url, headers=bearer(settings, "E1001")).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert httpx.post(url, headers=bearer(settings, "E1002")).status_code == 200


def test_uploads_are_limited_per_hr_admin(
    tmp_path: Path, rasa: RecordingRasa, personnel: ServerThread, knowledge: Any
) -> None:
    settings = make_settings(
        tmp_path,
        rasa.url,
        personnel_url=personnel.url,
        personnel_service_token=SERVICE_TOKEN,
        knowledge_docs_dirs="",
        hrbot_uploads_per_hour=2,
    )
    with serve(settings, knowledge) as gw:
        url = f"{gw.url}/api/admin/knowledge/documents"
        statuses = []
        for i in range(3):
            name = f"limits-{uuid.uuid4().hex[:6]}-{i}.md"
            body = f"# Parking {i}\n\nStaff park in lot {i} on weekdays.\n".encode()
            r = httpx.post(url, headers=bearer(settings, "E1003"), files={"file": (name, body)}, timeout=60)
            statuses.append(r.status_code)
        assert statuses == [201, 201, 429], statuses
        assert int(r.headers["Retry-After"]) > 0


async def test_guessing_link_codes_is_limited_across_users_and_restarts(
    tmp_path: Path,
    rasa: RecordingRasa,
    fake_tg: FakeTelegram,  # noqa: F811
) -> None:
    settings = make_settings(
        tmp_path,
        rasa.url,
        telegram_bot_token=fake_tg.token,
        telegram_base_url=fake_tg.base_url,
        hrbot_link_failures_per_minute=6,
    )
    code, _ = LinkStore(settings.link_database_url).create_code("E1002")
    attackers = [USER + 100 + i for i in range(3)]
    async with running_bot(settings):
        for n, who in enumerate(attackers):  # 3 accounts x 2 wrong guesses = the 6 allowed per minute
            for k in range(2):
                fake_tg.message(who, f"/link WRONG{n}{k}XX")
                await fake_tg.wait_for("sendMessage", who, k + 1)
    async with running_bot(settings):  # a restart forgets nothing
        fake_tg.message(USER, f"/link {code}")
        await fake_tg.wait_for("sendMessage", USER, 1)
    assert "Too many" in fake_tg.sent_texts(USER)[-1]
    assert LinkStore(settings.link_database_url).employee_for(USER) is None, "nobody got linked"
    # the arithmetic behind "infeasible": 5 guesses per user per 10 minutes, 6 (default 30) per minute
    # for everyone, against 31^8 codes
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 8 * 10**11
