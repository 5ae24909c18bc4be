"""Identity assertions bound to their conversation and message, through the real stack (issue 17):
a captured assertion does not work in another conversation, nor again with another message."""

from __future__ import annotations

import uuid

import pytest

from tests.stack import Stack, texts

pytestmark = pytest.mark.stack
QUESTION = "what is my leave balance?"
REFUSED = "need to know who you are"  # utter_sign_in_required


def test_an_assertion_is_accepted_once_in_its_own_conversation_only(stack: Stack) -> None:
    mine = f"web:E1002:{uuid.uuid4().hex[:8]}"
    token = stack.identity("E1002", mine)
    first = texts(stack.say(mine, QUESTION, identity=token))
    assert REFUSED not in first and any(ch.isdigit() for ch in first), first

    replayed = texts(stack.say(mine, QUESTION, identity=token))
    assert REFUSED in replayed, replayed

    elsewhere = f"web:E1003:{uuid.uuid4().hex[:8]}"
    stolen = stack.identity("E1002", mine)
    assert REFUSED in texts(stack.say(elsewhere, QUESTION, identity=stolen))
    # the rightful owner's next message, with a fresh assertion, works as before
    assert REFUSED not in texts(stack.say(mine, QUESTION, employee="E1002"))
