"""The REAL python-telegram-bot Application against the fake Bot API server and the Rasa stand-in.

Covers /start, /help, linking, refusal before linking (Rasa gets no identity), non-text updates,
group chats, long message splitting and inline keyboard callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from connectors.linking import LinkStore
from connectors.settings import ConnectorSettings
from connectors.telegram.bot import build_application
from hrbot.identity import verify_identity
from tests.connectors.conftest import IDENTITY_SECRET, make_settings
from tests.connectors.fake_telegram import BOT_USERNAME, FakeTelegram
from tests.connectors.servers import RecordingRasa

TOKEN = "123456:TEST-token"
USER = 5550001


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def tg_settings(tmp_path: Path, rasa: RecordingRasa, fake_tg: FakeTelegram) -> ConnectorSettings:
    return make_settings(tmp_path, rasa.url, telegram_bot_token=TOKEN, telegram_base_url=fake_tg.base_url)


@asynccontextmanager
async def running_bot(settings: ConnectorSettings) -> AsyncIterator[Application]:
    """Start the real Application with long polling (what run_polling does, minus signal handling)."""
    app = build_application(settings)
    async with app:
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)


async def test_start_and_help_are_bilingual(tg_settings: ConnectorSettings, fake_tg: FakeTelegram) -> None:
    async with running_bot(tg_settings):
        fake_tg.message(USER, "/start")
        (start,) = await fake_tg.wait_for("sendMessage", USER)
        assert "HR assistant" in start.params["text"] and "/link" in start.params["text"]
        fake_tg.message(USER + 1, "/help", lang="zh-hans")
        (helpmsg,) = await fake_tg.wait_for("sendMessage", USER + 1)
        assert "命令" in helpmsg.params["text"]
    commands = fake_tg.calls_of("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "zh"}


async def test_unlinked_user_sends_no_identity(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    async with running_bot(tg_settings):
        fake_tg.message(USER, "How many leave days do I have?")
        (reply,) = await fake_tg.wait_for("sendMessage", USER)
    assert reply.params["text"] == "echo: How many leave days do I have?"
    sent = rasa.last()
    assert sent["sender"] == f"tg:{USER}"
    assert sent["metadata"] == {"hrbot": {"identity": None, "lang": "en", "channel": "telegram"}}
    assert fake_tg.calls_of("sendChatAction", USER)


async def test_link_then_identity_then_unlink(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    code, _ = LinkStore(tg_settings.link_database_url).create_code("E1001")
    async with running_bot(tg_settings):
        fake_tg.message(USER, "/link WRONG123")
        await fake_tg.wait_for("sendMessage", USER, 1)
        fake_tg.message(USER, f"/link {code.lower()}")
        await fake_tg.wait_for("sendMessage", USER, 2)
        fake_tg.message(USER, "my balance")
        await fake_tg.wait_for("sendMessage", USER, 3)
        ident = verify_identity(rasa.last()["metadata"]["hrbot"]["identity"], IDENTITY_SECRET)
        assert ident is not None and (ident.employee_id, ident.channel) == ("E1001", "telegram")
        # the code was single use: another Telegram user cannot reuse it
        fake_tg.message(USER + 7, f"/link {code}")
        await fake_tg.wait_for("sendMessage", USER + 7, 1)
        fake_tg.message(USER, "/unlink")
        await fake_tg.wait_for("sendMessage", USER, 4)
        fake_tg.message(USER, "my balance again")
        await fake_tg.wait_for("sendMessage", USER, 5)
        assert rasa.last()["metadata"]["hrbot"]["identity"] is None
    texts = fake_tg.sent_texts(USER)
    assert "not valid" in texts[0]
    assert "E1001" in texts[1]
    assert "not valid" in fake_tg.sent_texts(USER + 7)[0]
    assert "no longer linked" in texts[3]
    assert [r["message"] for r in rasa.requests] == ["my balance", "my balance again"]


async def test_link_brute_force_is_throttled(tg_settings: ConnectorSettings, fake_tg: FakeTelegram) -> None:
    code, _ = LinkStore(tg_settings.link_database_url).create_code("E1002")
    async with running_bot(tg_settings):
        for i in range(5):
            fake_tg.message(USER, f"/link BAD{i}XXXX")
            await fake_tg.wait_for("sendMessage", USER, i + 1)
        fake_tg.message(USER, f"/link {code}")
        await fake_tg.wait_for("sendMessage", USER, 6)
    assert "Too many" in fake_tg.sent_texts(USER)[-1]


async def test_non_text_updates_do_not_crash(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]
    document = {"file_id": "d1", "file_unique_id": "du1", "file_name": "cv.pdf"}
    group = {"id": -100123, "type": "supergroup", "title": "Team"}
    async with running_bot(tg_settings):
        fake_tg.message(USER, sticker=sticker)
        fake_tg.message(USER, photo=photo, caption="my receipt")
        fake_tg.message(USER, document=document)
        fake_tg.message(USER, "edited text", kind="edited_message")
        fake_tg.message(USER, "/nosuchcommand")
        fake_tg.message(USER + 1, "what is the leave policy", chat=group)  # not addressed: ignored
        fake_tg.message(USER + 1, f"@{BOT_USERNAME} how many days do I have?", chat=group)
        fake_tg.message(USER + 1, "/start@" + BOT_USERNAME, chat=group)
        fake_tg.push_update(
            {
                "my_chat_member": {
                    "chat": group,
                    "from": fake_tg.user(USER + 1),
                    "date": 1,
                    "old_chat_member": {"status": "left", "user": fake_tg.bot_user()},
                    "new_chat_member": {"status": "member", "user": fake_tg.bot_user()},
                }
            }
        )
        fake_tg.message(USER, "still alive?")
        await fake_tg.wait_for("sendMessage", USER, 6)
        await fake_tg.wait_for("sendMessage", -100123, 2)
        await asyncio.sleep(0.3)
    texts = fake_tg.sent_texts(USER)
    assert sum("only read text" in t for t in texts) == 3
    assert any("edited" in t for t in texts)
    assert any("Unknown command" in t for t in texts)
    assert texts[-1] == "echo: still alive?"
    group_texts = fake_tg.sent_texts(-100123)
    assert len(group_texts) == 2 and all("private chat" in t for t in group_texts)
    assert [r["message"] for r in rasa.requests] == ["still alive?"]  # nothing from groups or media


async def test_long_reply_is_split_on_paragraphs(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    paragraphs = [f"Paragraph {i}: " + ("lorem ipsum " * 60).strip() for i in range(20)]  # ~14.6k chars
    rasa.responder = lambda body: [
        {"text": "\n\n".join(paragraphs), "buttons": [{"title": "Yes", "payload": "/affirm"}]}
    ]
    async with running_bot(tg_settings):
        fake_tg.message(USER, "tell me everything")
        await fake_tg.wait_for("sendMessage", USER, 4)
        await asyncio.sleep(0.3)
    calls = fake_tg.calls_of("sendMessage", USER)
    assert len(calls) == 4
    assert all(len(c.params["text"]) <= 4096 for c in calls)
    for c in calls:  # every chunk starts at a paragraph boundary
        assert c.params["text"].startswith("Paragraph ")
    assert "\n\n".join(c.params["text"] for c in calls) == "\n\n".join(paragraphs)
    assert [("reply_markup" in c.params) for c in calls] == [False, False, False, True]


async def test_buttons_citations_and_callback(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    long_payload = (
        '/request_leave{"leave_type": "annual", "start_date": "2026-12-01", "end_date": "2026-12-03"}'
    )
    assert len(long_payload.encode()) > 64

    def responder(body: dict) -> list[dict]:
        if body["message"] == "leave":
            return [
                {
                    "text": "Annual leave: 15 days a year.",
                    "custom": {
                        "citations": [
                            {"title": "Leave policy", "section": "2.1", "source": "policies/leave.md"}
                        ]
                    },
                },
                {
                    "text": "Apply now?",
                    "buttons": [
                        {"title": "Apply 1–3 Dec", "payload": long_payload},
                        {"title": "No", "payload": "/deny"},
                    ],
                },
            ]
        return [{"text": f"got {body['message']}"}]

    rasa.responder = responder
    async with running_bot(tg_settings):
        fake_tg.message(USER, "leave")
        first, second = await fake_tg.wait_for("sendMessage", USER, 2)
        assert "📄 Leave policy — 2.1 (policies/leave.md)" in first.params["text"]
        keyboard = second.params["reply_markup"]["inline_keyboard"]
        datas = [row[0]["callback_data"] for row in keyboard]
        assert datas[1] == "/deny" and datas[0].startswith("#k:")
        assert all(len(d.encode()) <= 64 for d in datas)
        fake_tg.callback(USER, datas[0], second.result)
        await fake_tg.wait_for("sendMessage", USER, 3)
        # an unknown key (e.g. from a wiped database) is answered, not crashed on
        fake_tg.callback(USER, "#k:doesnotexist", second.result)
        await fake_tg.wait_for("answerCallbackQuery", count=2)
    assert rasa.last()["message"] == long_payload
    assert fake_tg.sent_texts(USER)[-1] == f"got {long_payload}"
    edits = fake_tg.calls_of("editMessageText", USER)
    assert (
        edits
        and edits[0].params["text"].endswith("→ Apply 1–3 Dec")
        and "reply_markup" not in edits[0].params
    )
    answers = fake_tg.calls_of("answerCallbackQuery")
    assert "expired" in answers[1].params.get("text", "")


@pytest.mark.parametrize("lang, expected", [("en", "temporarily unavailable"), ("zh-hans", "暂时无法使用")])
async def test_rasa_down_apologises_in_users_language(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa, lang: str, expected: str
) -> None:
    rasa.fail_with = 502
    async with running_bot(tg_settings):
        fake_tg.message(USER, "hello", lang=lang)
        (reply,) = await fake_tg.wait_for("sendMessage", USER)
    assert expected in reply.params["text"]
    assert rasa.last()["metadata"]["hrbot"]["lang"] == ("zh" if lang.startswith("zh") else "en")


def test_build_application_requires_token(tmp_path: Path, rasa: RecordingRasa) -> None:
    with pytest.raises(RuntimeError, match="TELEGRAM_BOT_TOKEN"):
        build_application(make_settings(tmp_path, rasa.url))


async def test_webhook_mode(tmp_path: Path, rasa: RecordingRasa, fake_tg: FakeTelegram) -> None:
    """TELEGRAM_WEBHOOK_URL: the bot registers the webhook and answers updates POSTed to it."""
    import httpx

    from connectors.telegram.bot import webhook_params
    from tests.connectors.servers import free_port

    port = free_port()
    settings = make_settings(
        tmp_path,
        rasa.url,
        telegram_bot_token=TOKEN,
        telegram_base_url=fake_tg.base_url,
        telegram_webhook_url="https://hr.example/telegram/hook",
        telegram_webhook_port=port,
        telegram_webhook_secret="hook-secret",
    )
    params = webhook_params(settings)
    assert params["url_path"] == "telegram/hook" and params["listen"] == "127.0.0.1"
    app = build_application(settings)
    async with app:
        await app.post_init(app)
        await app.start()
        await app.updater.start_webhook(**params)
        try:
            (hook,) = fake_tg.calls_of("setWebhook")
            assert hook.params["url"] == "https://hr.example/telegram/hook"
            assert hook.params["secret_token"] == "hook-secret"
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": USER, "type": "private"},
                    "from": fake_tg.user(USER),
                    "text": "hello via webhook",
                },
            }
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/telegram/hook"
                assert (await client.post(url, json=update)).status_code == 403  # no secret header
                r = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}
                )
                assert r.status_code == 200
            (reply,) = await fake_tg.wait_for("sendMessage", USER)
            assert reply.params["text"] == "echo: hello via webhook"
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)


async def test_start_deep_link_links(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    """t.me/<bot>?start=CODE arrives as "/start CODE" and links like /link CODE."""
    code, _ = LinkStore(tg_settings.link_database_url).create_code("E1002")
    async with running_bot(tg_settings):
        fake_tg.message(USER, f"/start {code}")
        (reply,) = await fake_tg.wait_for("sendMessage", USER)
    assert "E1002" in reply.params["text"]
    assert LinkStore(tg_settings.link_database_url).employee_for(USER) == "E1002"


async def test_slow_answer_does_not_block_others_but_keeps_order(
    tg_settings: ConnectorSettings, fake_tg: FakeTelegram, rasa: RecordingRasa
) -> None:
    rasa.delays = {"slow question": 1.5}
    async with running_bot(tg_settings):
        fake_tg.message(USER, "slow question")
        fake_tg.message(USER, "second from same user")
        await asyncio.sleep(0.2)
        fake_tg.message(USER + 1, "quick question")
        (other,) = await fake_tg.wait_for("sendMessage", USER + 1)
        assert fake_tg.sent_texts(USER) == []  # the other user was answered while USER waits
        await fake_tg.wait_for("sendMessage", USER, 2)
    assert other.params["text"] == "echo: quick question"
    assert fake_tg.sent_texts(USER) == ["echo: slow question", "echo: second from same user"]


async def test_main_entrypoint_polls_in_a_subprocess(
    tmp_path: Path, rasa: RecordingRasa, fake_tg: FakeTelegram
) -> None:
    """``python -m connectors.telegram.bot`` exactly as the Procfile runs it, configured by env vars."""
    import os
    import signal
    import subprocess
    import sys

    from tests.connectors.conftest import REPO

    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake_tg.base_url,
        "RASA_URL": rasa.url,
        "HRBOT_DATA_DIR": str(tmp_path / "var"),
        "HRBOT_IDENTITY_SECRET": "subprocess-identity-secret-0123456789abcdef",
        "PYTHONPATH": os.pathsep.join([str(REPO / "bot"), str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "connectors.telegram.bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        fake_tg.message(USER, "hello from polling")
        (reply,) = await fake_tg.wait_for("sendMessage", USER, timeout=30)
        assert reply.params["text"] == "echo: hello from polling"
        assert fake_tg.calls_of("deleteWebhook")  # polling mode
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
