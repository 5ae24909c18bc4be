"""Notices end to end (issue 18): the real Rasa server, action server, personnel backend, gateway and
notifier processes over HTTP; Telegram is the local FAKE Bot API server (a third-party service).

* a manager approves leave in chat → the employee gets exactly one notice, on the Telegram account
  linked to her, in her language, and in the signed-in widget's inbox (GET /api/notices);
* "不再提醒" / "stop these reminders" in chat turns that kind off; the next decision sends nothing;
  "恢复提醒" / "turn my reminders back on" turns it on again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.linking import LinkStore
from personnel.app.db import make_engine
from personnel.app.models import Notification
from tests.connectors.fake_telegram import FakeTelegram
from tests.stack import Stack, texts

pytestmark = pytest.mark.stack
TOKEN = "424242:e2e-notices-token"
LI_NA_CHAT, EN_CHAT = 5101, 5115


@pytest.fixture(scope="module")
def fake_tg() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def notice_stack(
    tmp_path_factory: pytest.TempPathFactory, rasa_model: Path, fake_tg: FakeTelegram
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("notices")
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
    links.link(EN_CHAT, "E1015")  # E1015 prefers English
    links.dispose()
    stack._spawn("notifier")
    try:
        yield stack
    finally:
        stack.stop()


def backend(stack: Stack, method: str, path: str, employee: str, json: Any = None) -> Any:
    headers = {
        "Authorization": f"Bearer {stack.env['PERSONNEL_SERVICE_TOKEN']}",
        "X-Acting-Employee": employee,
        "X-Channel": "web",
    }
    r = httpx.request(method, stack.personnel_url + path, headers=headers, json=json, timeout=20)
    assert r.status_code < 300, r.text
    return r.json()


def outbox_status(stack: Stack, dedupe_key: str) -> str:
    """The status of the backend's outbox row with this dedupe key (the notice of one change)."""
    engine = make_engine(stack.env["PERSONNEL_DATABASE_URL"], immediate=False)
    try:
        with Session(engine) as s:
            row = s.scalars(select(Notification).where(Notification.dedupe_key == dedupe_key)).one()
            return row.status
    finally:
        engine.dispose()


def conversation(stack: Stack, employee: str) -> Any:
    who = f"web:{employee}:{uuid.uuid4()}"
    return lambda text: stack.say(who, text, employee=employee)


def wait_for_texts(fake: FakeTelegram, chat: int, count: int, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(fake.sent_texts(chat)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} Telegram messages to {chat} expected, got {fake.sent_texts(chat)}")
        time.sleep(0.1)
    time.sleep(1.0)  # several notifier polls later: nothing more may arrive
    return fake.sent_texts(chat)


def widget_token(stack: Stack, employee: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": employee, "iat": now, "exp": now + 600}, stack.jwt_secret, algorithm="HS256")


def apply(stack: Stack, employee: str, day: str) -> int:
    body = {"leave_type": "annual", "from_date": day, "to_date": day, "reason": "e2e notices"}
    return backend(stack, "POST", "/leave/applications", employee, body)["id"]


def test_manager_approves_in_chat_and_the_employee_gets_exactly_one_notice(
    notice_stack: Stack, fake_tg: FakeTelegram
) -> None:
    leave_id = apply(notice_stack, "E1001", "2026-12-14")
    manager = conversation(notice_stack, "E1002")
    asked = texts(manager(f"approve #{leave_id}"))
    assert f"#{leave_id}" in asked, asked
    texts(manager("yes"))
    assert backend(notice_stack, "GET", f"/leave/applications/{leave_id}", "E1001")["status"] == "approved"

    (text,) = wait_for_texts(fake_tg, LI_NA_CHAT, 1)
    # Li Na reads Chinese: what was decided, by whom, why she gets it and how to stop it
    assert f"#{leave_id}" in text and "已批准" in text
    assert "您收到此通知" in text and "不再提醒" in text
    # the manager is not linked to Telegram: nothing personal goes to any other chat
    assert {int(c.params["chat_id"]) for c in fake_tg.calls_of("sendMessage")} == {LI_NA_CHAT}

    # the signed-in widget shows the same notice, unread, worded in her language
    auth = {"Authorization": f"Bearer {widget_token(notice_stack, 'E1001')}"}
    inbox = httpx.get(f"{notice_stack.gateway_url}/api/notices", headers=auth, timeout=20)
    assert inbox.status_code == 200, inbox.text
    body = inbox.json()
    decided = [n for n in body["notices"] if n["kind"] == "leave_decided"]
    assert len(decided) == 1 and body["unread"] >= 1
    assert f"#{leave_id}" in decided[0]["text"] and "您收到此通知" in decided[0]["reason"]
    marked = httpx.post(f"{notice_stack.gateway_url}/api/notices/read", headers=auth, json={}, timeout=20)
    assert marked.status_code == 200
    assert (
        httpx.get(f"{notice_stack.gateway_url}/api/notices", headers=auth, timeout=20).json()["unread"] == 0
    )
    # no token, no notices
    assert httpx.get(f"{notice_stack.gateway_url}/api/notices", timeout=20).status_code == 401


def test_stop_these_reminders_in_chinese_and_english(notice_stack: Stack, fake_tg: FakeTelegram) -> None:
    # Chinese: Li Na (she received a leave decision in the test above)
    already = len(fake_tg.sent_texts(LI_NA_CHAT))
    if not already:  # run alone: give her a decision first
        leave_id = apply(notice_stack, "E1001", "2026-12-15")
        backend(notice_stack, "POST", f"/leave/applications/{leave_id}/decision", "E1002", {"approve": True})
        already = len(wait_for_texts(fake_tg, LI_NA_CHAT, 1))
    reply = texts(conversation(notice_stack, "E1001")("不再提醒"))
    assert "请假审批结果" in reply, reply
    prefs = {
        p["kind"]: p["enabled"] for p in backend(notice_stack, "GET", "/notifications/preferences", "E1001")
    }
    assert prefs["leave_decided"] is False
    leave_id = apply(notice_stack, "E1001", "2026-12-16")
    backend(notice_stack, "POST", f"/leave/applications/{leave_id}/decision", "E1002", {"approve": True})
    # turned off: the decision's notice is written as skipped with the decision, so no notifier run
    # can send it (the one sent before this decision was the last)
    assert outbox_status(notice_stack, f"leave_decided:{leave_id}") == "skipped"
    assert len(fake_tg.sent_texts(LI_NA_CHAT)) == already
    reply = texts(conversation(notice_stack, "E1001")("恢复提醒"))
    assert "请假审批结果" in reply and "恢复" in reply, reply

    # English: E1015 gets a decision, then turns that kind off in words
    leave_id = apply(notice_stack, "E1015", "2026-12-14")
    approver = backend(notice_stack, "GET", f"/leave/applications/{leave_id}", "E1015")["approver_id"]
    backend(notice_stack, "POST", f"/leave/applications/{leave_id}/decision", approver, {"approve": True})
    (text,) = wait_for_texts(fake_tg, EN_CHAT, 1)
    assert "approved" in text and "on Mon 14 Dec 2026" in text and "stop these reminders" in text
    reply = texts(conversation(notice_stack, "E1015")("stop these reminders"))
    assert "decisions on your leave requests" in reply, reply
    prefs = {
        p["kind"]: p["enabled"] for p in backend(notice_stack, "GET", "/notifications/preferences", "E1015")
    }
    assert prefs["leave_decided"] is False and prefs["training_reminder"] is True
    # ... and back on
    reply = texts(conversation(notice_stack, "E1015")("turn my reminders back on"))
    assert "decisions on your leave requests" in reply, reply
    prefs = {
        p["kind"]: p["enabled"] for p in backend(notice_stack, "GET", "/notifications/preferences", "E1015")
    }
    assert prefs["leave_decided"] is True

    # someone who never received a reminder is told so, and nothing changes
    reply = texts(conversation(notice_stack, "E1005")("stop these reminders"))
    assert "haven't received any reminders" in reply, reply
    assert all(p["enabled"] for p in backend(notice_stack, "GET", "/notifications/preferences", "E1005"))


def test_a_manager_approves_from_the_telegram_notice_and_the_employee_hears_once(
    notice_stack: Stack, fake_tg: FakeTelegram
) -> None:
    """The "waiting for you" notice carries Approve/Reject buttons; pressed in Telegram, the real
    bot sends the payload to Rasa as the linked manager, the backend approves, and the employee gets
    the decision on her own linked account (E1019 reads English; her manager is E1004)."""
    manager_chat, employee_chat = 5204, 5219
    links = LinkStore(f"sqlite:///{notice_stack.workdir / 'connectors.db'}")
    links.link(manager_chat, "E1004")
    links.link(employee_chat, "E1019")
    links.dispose()
    if "telegram" not in notice_stack.processes:
        notice_stack._spawn("telegram")
    leave_id = apply(notice_stack, "E1019", "2026-12-17")

    deadline = time.monotonic() + 30
    while not (
        calls := [c for c in fake_tg.calls_of("sendMessage", manager_chat) if c.params.get("reply_markup")]
    ):
        assert time.monotonic() < deadline, "no 'waiting for you' notice with buttons"
        time.sleep(0.1)
    (waiting,) = calls
    assert f"#{leave_id}" in waiting.params["text"]
    keyboard = [b for row in waiting.params["reply_markup"]["inline_keyboard"] for b in row]
    approve = next(b for b in keyboard if b["text"].startswith(("批准", "Approve")))
    fake_tg.callback(manager_chat, approve["callback_data"], waiting.result)

    deadline = time.monotonic() + 90
    while backend(notice_stack, "GET", f"/leave/applications/{leave_id}", "E1019")["status"] != "approved":
        assert time.monotonic() < deadline, notice_stack.logs()
        time.sleep(0.3)
    (text,) = wait_for_texts(fake_tg, employee_chat, 1)
    assert f"#{leave_id}" in text and "approved" in text
