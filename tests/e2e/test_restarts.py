"""Restarting a server loses nothing the user sees.

Conversations live in the tracker store, not in the Rasa process: a leave application started
before the Rasa server is killed (SIGKILL, no clean shutdown) continues after it comes back, with
the form's answers intact, and is submitted to the backend. The embedded default keeps trackers in
SQLite with a write-ahead log (bot/rasa_runtime/tracker_store.py); a committed turn is not lost
with the process. And a restarted action server answers the next action at once.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import Stack, texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory, rasa_model: Path) -> Iterator[Stack]:
    """A stack of its own: these tests kill and restart its servers."""
    stack = Stack(tmp_path_factory.mktemp("restarts"), services=("personnel", "actions", "rasa"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_a_leave_application_continues_after_the_rasa_server_is_killed(own_stack: Stack) -> None:
    stack = own_stack
    who = f"web:E1001:{uuid.uuid4()}"

    def say(text: str) -> str:
        replies = stack.say(who, text, employee="E1001")
        assert replies, f"no reply to {text!r}"
        return texts(replies)

    before = {a["id"] for a in stack.backend_get("/leave/applications", "E1001")}
    assert "which dates" in say("I want to apply for annual leave").lower()
    assert "reason" in say("next Monday to Wednesday").lower()

    stack.restart("rasa", kill=True)

    # The form remembers the leave type and the dates given before the kill.
    preview = say("family trip")
    assert "Working days counted: 3" in preview, preview
    say("yes")
    created = [a for a in stack.backend_get("/leave/applications", "E1001") if a["id"] not in before]
    assert [(a["leave_type"], a["from_date"], a["to_date"], a["reason"]) for a in created] == [
        ("annual", "2026-11-30", "2026-12-02", "family trip")
    ]

    # Every turn is stored once, in the SQLite file of the embedded default.
    with sqlite3.connect(stack.workdir / "tracker.db") as db:
        texts_stored = [
            row[0]
            for row in db.execute(
                "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = ? AND type_name = 'user'"
                " ORDER BY id",
                (who,),
            )
        ]
    assert texts_stored == [
        "I want to apply for annual leave",
        "next Monday to Wednesday",
        "family trip",
        "yes",
    ]


def test_actions_keep_working_after_the_action_server_restarts(own_stack: Stack) -> None:
    """A restarted action server (a deployment, a crash) answers the next action: Rasa reconnects
    and the action server loads what it needs again."""
    stack = own_stack
    who = f"web:E1002:{uuid.uuid4()}"
    annual = next(b for b in stack.backend_get("/leave/balances", "E1002") if b["leave_type"] == "annual")

    def balance() -> str:
        reply = texts(stack.say(who, "what is my leave balance?", employee="E1002"))
        assert f"{annual['balance']:g}" in reply, reply
        return reply

    first = balance()
    stack.restart("actions")
    assert balance() == first
