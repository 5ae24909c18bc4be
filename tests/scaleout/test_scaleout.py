"""The scale-out layout (docs/SCALE_OUT.md) on this machine: two Rasa servers sharing a PostgreSQL
tracker store and a Redis lock store, an action server with two workers, Chroma's own server, the
backend on PostgreSQL, and the gateway spreading messages over both Rasa servers.

A conversation must not care which Rasa server gets each message: a leave application started on
one server is continued and submitted on the other, and the backend then holds exactly that
request. Skipped, saying why, when PostgreSQL or Redis do not answer on 127.0.0.1.
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

from hrbot import paths
from tests.scaleout.layout import ScaleoutStack, postgres_problem, redis_problem
from tests.stack import texts

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

A, B = 0, 1


@pytest.fixture(scope="module")
def scaleout(tmp_path_factory: pytest.TempPathFactory, rasa_model: Path) -> Iterator[ScaleoutStack]:
    for problem in (postgres_problem(), redis_problem()):
        if problem:
            pytest.skip(problem)
    stack = ScaleoutStack(tmp_path_factory.mktemp("scaleout")).start()
    try:
        stack.ingest(paths.DEMO_KNOWLEDGE)
        yield stack
    finally:
        stack.stop()


def backend_get(stack: ScaleoutStack, path: str, employee: str) -> Any:
    """The system of record itself (on PostgreSQL here), as the given employee."""
    headers = {
        "Authorization": f"Bearer {stack.env['PERSONNEL_SERVICE_TOKEN']}",
        "X-Acting-Employee": employee,
        "X-Channel": "web",
    }
    response = httpx.get(stack.personnel_url + path, headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()


def chat(stack: ScaleoutStack, employee: str | None, message: str) -> dict:
    """A message through the gateway, signed in as `employee` or anonymous (None); the gateway picks
    the Rasa server."""
    headers = {}
    if employee:
        now = int(time.time())
        claims = {"sub": employee, "iat": now, "exp": now + 600}
        headers["Authorization"] = f"Bearer {jwt.encode(claims, stack.jwt_secret, algorithm='HS256')}"
    reply = httpx.post(
        f"{stack.gateway_url}/api/chat", json={"message": message}, headers=headers, timeout=60
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def chat_text(reply: dict) -> str:
    return "\n".join(m.get("text", "") for m in reply["messages"])


def test_a_leave_application_continues_across_rasa_servers_and_is_held_once(scaleout: ScaleoutStack) -> None:
    before = {a["id"] for a in backend_get(scaleout, "/leave/applications", "E1001")}
    sender = f"web:E1001:{uuid.uuid4()}"

    def say(instance: int, text: str) -> str:
        replies = scaleout.say_via(instance, sender, text, employee="E1001")
        assert replies, f"no reply to {text!r} from Rasa server {instance}"
        return texts(replies)

    assert "Which dates" in say(A, "I want to apply for annual leave")
    assert "reason" in say(B, "next Monday to Wednesday").lower()  # B knows what A asked
    preview = say(A, "family trip")
    assert "Working days counted: 3" in preview, preview
    submitted = say(B, "yes")

    held = [a for a in backend_get(scaleout, "/leave/applications", "E1001") if a["id"] not in before]
    assert len(held) == 1, held
    request = held[0]
    assert (request["leave_type"], request["from_date"], request["to_date"], request["reason"]) == (
        "annual",
        "2026-11-30",
        "2026-12-02",
        "family trip",
    )
    assert request["status"] == "open" and f"#{request['id']}" in submitted, submitted

    # Both Rasa servers streamed their events into the one insights database (PostgreSQL): the
    # application, begun on one server and finished on the other, is one completed transaction.
    now = int(time.time())
    hr = jwt.encode({"sub": "E1003", "iat": now, "exp": now + 600}, scaleout.jwt_secret, algorithm="HS256")
    figures = httpx.get(
        f"{scaleout.gateway_url}/api/admin/insights", headers={"Authorization": f"Bearer {hr}"}, timeout=60
    ).json()
    assert figures["transactions"] == [
        {"kind": "leave_apply", "completed": 1, "abandoned": 0, "in_progress": 0}
    ]
    assert sum(d["messages"] for d in figures["daily"]) == 4


def test_through_the_gateway_the_manager_approves_and_a_lost_server_is_not_noticed(
    scaleout: ScaleoutStack,
) -> None:
    (request,) = [
        a
        for a in backend_get(scaleout, "/leave/applications", "E1001")
        if a["status"] == "open" and a["reason"] == "family trip"
    ]
    # The gateway sends consecutive messages to alternate Rasa servers (tests/scaleout/
    # test_gateway_spread.py shows the spreading itself): the pending list comes from one, the
    # approval button is handled by the other.
    pending = chat(scaleout, "E1002", "show pending approvals")
    approve = [
        b["payload"]
        for m in pending["messages"]
        for b in m.get("buttons") or []
        if b["payload"].startswith("/approve_leave") and str(request["id"]) in b["payload"]
    ]
    assert approve, pending
    assert f"#{request['id']}" in chat_text(chat(scaleout, "E1002", approve[0]))
    assert backend_get(scaleout, f"/leave/applications/{request['id']}", "E1001")["status"] == "approved"

    # A policy answer comes from the Chroma server, with citations.
    answer = chat(scaleout, None, "请问婚假有几天？")
    assert any(m.get("citations") for m in answer["messages"]), answer

    # One Rasa server goes away: the gateway keeps every conversation going on the other one.
    scaleout.processes[scaleout.rasa_name(A)].terminate()
    scaleout.processes[scaleout.rasa_name(A)].wait(timeout=30)
    balance = next(
        b for b in backend_get(scaleout, "/leave/balances", "E1001") if b["leave_type"] == "annual"
    )
    for _ in range(2):  # whichever server is next in turn
        reply = chat_text(chat(scaleout, "E1001", "how much annual leave do I have left"))
        assert f"{balance['balance']:g} days left" in reply, reply
