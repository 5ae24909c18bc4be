"""Answering HR from Telegram: a Telegram reply to the bot's message about a case joins the case's
thread. The REAL python-telegram-bot Application against the fake Bot API server, the REAL personnel
backend and the Rasa stand-in (which must not get the answer)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from connectors.linking import LinkStore
from connectors.settings import ConnectorSettings
from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.servers import RecordingRasa, ServerThread
from tests.connectors.test_telegram_bot import TOKEN, running_bot

USER = 5560001


@pytest.fixture
def fake_tg() -> FakeTelegram:
    fake = FakeTelegram(TOKEN).start()
    yield fake  # type: ignore[misc]
    fake.stop()


@pytest.fixture
def tg_settings(
    tmp_path: Path, rasa: RecordingRasa, fake_tg: FakeTelegram, personnel: ServerThread
) -> ConnectorSettings:
    return make_settings(
        tmp_path,
        rasa.url,
        telegram_bot_token=TOKEN,
        telegram_base_url=fake_tg.base_url,
        personnel_url=personnel.url,
        personnel_service_token=SERVICE_TOKEN,
    )


def backend(personnel: ServerThread, method: str, path: str, employee: str, **kw: object) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {SERVICE_TOKEN}",
        "X-Acting-Employee": employee,
        "X-Channel": "telegram",
    }
    return httpx.request(method, personnel.url + path, headers=headers, timeout=10, **kw)  # type: ignore[arg-type]


def bot_message(fake: FakeTelegram, chat: int, text: str) -> dict[str, object]:
    """A message the bot sent earlier (as the notifier sends HR's reply), for the user to reply to."""
    return {
        "message_id": 900 + chat % 100,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": fake.bot_user(),
        "text": text,
    }


async def test_a_telegram_reply_to_a_case_message_joins_the_case(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa, personnel: ServerThread
) -> None:
    made = backend(personnel, "POST", "/cases", "E1001", json={"subject": "parking at the north gate"})
    cid = made.json()["id"]
    backend(
        personnel,
        "POST",
        f"/cases/{cid}/messages",
        "E1003",
        json={"text": "Which car?", "kind": "request_info"},
    )
    LinkStore(tg_settings.link_database_url).link(USER, "E1001")
    other = backend(personnel, "POST", "/cases", "E1002", json={"subject": "not Li Na's"}).json()["id"]

    async with running_bot(tg_settings):
        asked = bot_message(fake_tg, USER, f"HR replied to case #{cid}\nWhich car?")
        fake_tg.message(USER, "The blue one, plate 粤B 12345", reply_to_message=asked)
        (ok,) = await fake_tg.wait_for("sendMessage", USER)
        assert ok.params["text"] == f"Sent to HR on case #{cid}."

        # in Chinese, replying to the hand-off confirmation adds to the case as well
        done = bot_message(fake_tg, USER, f"已为您创建人事工单 #{cid}，附上了这段对话。")
        fake_tg.message(USER, "还有一辆电动车", lang="zh-hans", reply_to_message=done)
        calls = await fake_tg.wait_for("sendMessage", USER, count=2)
        assert calls[1].params["text"] == f"已发送给人事部门（工单 #{cid}）。"

        # someone else's case: refused, nothing added
        theirs = bot_message(fake_tg, USER, f"HR replied to case #{other}\nhello")
        fake_tg.message(USER, "let me in", reply_to_message=theirs)
        calls = await fake_tg.wait_for("sendMessage", USER, count=3)
        refused = calls[2].params["text"]
        assert refused == f"Could not add this to case #{other}: that case is not one of yours"

        # an ordinary message (no reply) still goes to the assistant
        fake_tg.message(USER, "How many leave days do I have?")
        calls = await fake_tg.wait_for("sendMessage", USER, count=4)
        assert calls[3].params["text"] == "echo: How many leave days do I have?"

    assert [r["message"] for r in rasa.requests] == ["How many leave days do I have?"]
    thread = backend(personnel, "GET", f"/cases/{cid}/detail", "E1003").json()["thread"]
    assert [(m["kind"], m["body"], m["channel"]) for m in thread[1:]] == [
        ("answer", "The blue one, plate 粤B 12345", "telegram"),
        ("answer", "还有一辆电动车", "telegram"),
    ]
    assert backend(personnel, "GET", f"/cases/{other}/detail", "E1003").json()["thread"] == []
