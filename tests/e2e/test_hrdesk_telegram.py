"""The Telegram leg of an HR reply, end to end with the REAL processes (backend, actions, Rasa,
gateway, notifier, Telegram bot); only Telegram's servers are the local FAKE Bot API.

HR replies on the desk (the gateway's API, as the inbox page calls it) → the notifier delivers the
reply to the Telegram account linked to the employee → she answers with Telegram's "reply" on that
message → the answer is on the case. Needs the notifier (`hrbot serve notifier`, issue 18 part B);
skipped, saying so, where it is not installed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from connectors.linking import LinkStore
from tests.connectors.fake_telegram import FakeTelegram
from tests.stack import Stack

pytest.importorskip("connectors.notify.worker", reason="the notifier (issue 18 part B) is not installed")
pytestmark = pytest.mark.stack
TOKEN = "424243:e2e-hrdesk-token"
LI_NA_CHAT = 6101


@pytest.fixture(scope="module")
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def tg_stack(
    tmp_path_factory: pytest.TempPathFactory, rasa_model: Path, fake_tg: FakeTelegram
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("hrdesk-tg")
    stack = Stack(
        workdir,
        extra_env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": fake_tg.base_url,
            "NOTIFY_QUIET_HOURS": "",
            "NOTIFY_RULES_INTERVAL_S": "0",
            "NOTIFY_POLL_S": "0.2",
        },
    )
    stack.start()
    links = LinkStore(f"sqlite:///{workdir / 'connectors.db'}")
    links.link(LI_NA_CHAT, "E1001")
    links.dispose()
    stack._spawn("notifier")
    stack._spawn("telegram")
    try:
        yield stack
    finally:
        stack.stop()


def token(stack: Stack, employee: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": employee, "iat": now, "exp": now + 600}, stack.jwt_secret, algorithm="HS256")


def wait_for(fake: FakeTelegram, chat: int, count: int, timeout: float = 40.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(fake.sent_texts(chat)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} Telegram messages to {chat} expected, got {fake.sent_texts(chat)}")
        time.sleep(0.1)
    return fake.sent_texts(chat)


def test_hr_reply_reaches_telegram_and_the_answer_joins_the_case(
    tg_stack: Stack, fake_tg: FakeTelegram
) -> None:
    gw = tg_stack.gateway_url
    emp = {"Authorization": f"Bearer {token(tg_stack, 'E1001')}"}
    hr = {"Authorization": f"Bearer {token(tg_stack, 'E1003')}"}
    # Li Na hands a question to HR in the widget's chat (the real assistant opens the case)
    for text in ("how much relocation allowance do we get when moving city?", "/request_handoff"):
        r = httpx.post(f"{gw}/api/chat", headers=emp, json={"message": text, "lang": "en"}, timeout=60)
        assert r.status_code == 200, r.text
    case_id = max(c["id"] for c in httpx.get(f"{gw}/api/cases", headers=emp, timeout=20).json())

    reply = "Relocation within China: 5,000 CNY."
    r = httpx.post(f"{gw}/api/admin/cases/{case_id}/messages", headers=hr, json={"text": reply}, timeout=20)
    assert r.status_code == 201, r.text

    (sent,) = wait_for(fake_tg, LI_NA_CHAT, 1)
    assert f"#{case_id}" in sent and reply in sent, sent
    time.sleep(1.0)  # several notifier polls later: still exactly one message
    assert len(fake_tg.sent_texts(LI_NA_CHAT)) == 1

    delivered: dict[str, Any] = {
        "message_id": 7001,
        "date": int(time.time()),
        "chat": {"id": LI_NA_CHAT, "type": "private"},
        "from": fake_tg.bot_user(),
        "text": sent,
    }
    fake_tg.message(LI_NA_CHAT, "谢谢！家属也包括吗？", lang="zh-hans", reply_to_message=delivered)
    texts = wait_for(fake_tg, LI_NA_CHAT, 2)
    assert texts[1] == f"已发送给人事部门（工单 #{case_id}）。", texts

    case = httpx.get(f"{gw}/api/admin/cases/{case_id}", headers=hr, timeout=20).json()
    assert [(m["kind"], m["body"], m["channel"]) for m in case["thread"]] == [
        ("reply", reply, "web"),
        ("answer", "谢谢！家属也包括吗？", "telegram"),
    ]
