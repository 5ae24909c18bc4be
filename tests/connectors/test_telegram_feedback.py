"""Helpful / not helpful on Telegram: the REAL python-telegram-bot Application against the fake Bot
API server, the Rasa stand-in returning a policy answer, and the real insights store (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.settings import ConnectorSettings
from insights import db
from insights.records import record_answer
from insights.settings import get_settings as insights_settings
from knowledge.models import Answer, Source
from tests.connectors.conftest import IDENTITY_SECRET, make_settings
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.servers import RecordingRasa
from tests.connectors.test_telegram_bot import TOKEN, USER, running_bot


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "insights.db"
    monkeypatch.setenv("HRBOT_INSIGHTS_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("HRBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    insights_settings.cache_clear()
    yield path
    insights_settings.cache_clear()
    db.dispose_all()


def votes(path: Path) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT helpful, comment FROM ins_votes"))]
    finally:
        engine.dispose()


async def test_vote_change_of_mind_and_comment(
    tmp_path: Path, store: Path, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    answer = Answer(
        answer="Annual leave: 15 days a year.",
        confident=True,
        confidence=0.8,
        sources=[Source(source="policies/leave.md", title="Leave policy", section="2.1")],
    )
    given = record_answer(
        question="how much annual leave?",
        lang="en",
        sender_id=f"tg:{USER}",
        employee_id=None,
        channel="telegram",
        answer=answer,
        outcome="answered",
        index_version="index 1",
    )
    rasa.responder = lambda body: [
        {
            "text": answer.answer,
            "custom": {"citations": [{"source": "policies/leave.md"}], "feedback": {"answer_id": given.id}},
        }
    ]
    settings: ConnectorSettings = make_settings(
        tmp_path, rasa.url, telegram_bot_token=TOKEN, telegram_base_url=fake_tg.base_url
    )
    async with running_bot(settings):
        fake_tg.message(USER, "how much annual leave?")
        (sent,) = await fake_tg.wait_for("sendMessage", USER, 1)
        row = sent.params["reply_markup"]["inline_keyboard"][-1]
        assert [b["text"] for b in row] == ["👍 Helpful", "👎 Not helpful"]
        assert [b["callback_data"] for b in row] == [f"fb:1:{given.id}", f"fb:0:{given.id}"]

        fake_tg.callback(USER, f"fb:0:{given.id}", sent.result)
        prompt = (await fake_tg.wait_for("sendMessage", USER, 2))[-1]
        assert "What was missing?" in prompt.params["text"] and "force_reply" in prompt.params["reply_markup"]
        edited = (await fake_tg.wait_for("editMessageReplyMarkup", USER, 1))[-1]
        assert edited.params["reply_markup"]["inline_keyboard"][-1][1]["text"] == "✓ 👎 Not helpful"
        assert votes(store) == [(0, None)]

        fake_tg.message(
            USER, "the form number; write to me at a.b@example.com", reply_to_message=prompt.result
        )
        saved = (await fake_tg.wait_for("sendMessage", USER, 3))[-1]
        assert saved.params["text"] == "Comment saved. Thank you."
        assert votes(store) == [(0, "the form number; write to me at [email]")]
        assert len(rasa.requests) == 1  # the comment did not go to the assistant

        fake_tg.callback(USER, f"fb:1:{given.id}", sent.result)  # changed my mind
        await fake_tg.wait_for("editMessageReplyMarkup", USER, 2)
        assert votes(store) == [(1, "the form number; write to me at [email]")]

        fake_tg.callback(USER + 1, f"fb:1:{given.id}", sent.result)  # not their answer
        answers = await fake_tg.wait_for("answerCallbackQuery", count=3)
        assert "could not be saved" in answers[-1].params.get("text", "")
    assert votes(store) == [(1, "the form number; write to me at [email]")]
