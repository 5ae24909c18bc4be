"""The web gateway in front of the real assistant: /api/chat with signed-in and anonymous users, and
a curator's upload answered by the running action server without a restart."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def token(stack: Stack, employee: str, secret: str | None = None, ttl_s: int = 600) -> str:
    now = int(time.time())
    claims = {"sub": employee, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret or stack.jwt_secret, algorithm="HS256")


def chat(stack: Stack, message: str, bearer: str | None = None, lang: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    body = {"message": message, **({"lang": lang} if lang else {})}
    return httpx.post(f"{stack.gateway_url}/api/chat", json=body, headers=headers, timeout=60)


def all_text(response: httpx.Response) -> str:
    return "\n".join(m.get("text", "") for m in response.json()["messages"])


def test_signed_in_employee_gets_her_own_balance_through_the_gateway(stack: Stack) -> None:
    reply = chat(stack, "how much annual leave do I have left", token(stack, "E1001"))
    assert reply.status_code == 200, reply.text
    balances = stack.backend_get("/leave/balances", "E1001")
    annual = next(b for b in balances if b["leave_type"] == "annual")
    assert f"{annual['balance']:g}" in all_text(reply), all_text(reply)


def test_anonymous_policy_question_comes_back_with_citations(stack: Stack) -> None:
    reply = chat(stack, "请问婚假有几天？", lang="zh")
    assert reply.status_code == 200, reply.text
    cited = [c for m in reply.json()["messages"] for c in m.get("citations") or []]
    assert cited and all(c["title"] and c["source"] for c in cited), reply.json()


@pytest.mark.parametrize("bad", ["expired", "forged", "garbage"])
def test_bad_tokens_are_refused_and_reach_nobody(stack: Stack, bad: str) -> None:
    bearer = {
        "expired": token(stack, "E1001", ttl_s=-60),
        "forged": token(stack, "E1001", secret="an-attackers-guess-0123456789abcdef"),
        "garbage": "not.a.jwt",
    }[bad]
    reply = chat(stack, "cancel my leave", bearer)
    assert reply.status_code == 401, reply.text
    assert reply.json()["error"]["code"], reply.json()


def test_an_uploaded_document_is_answered_at_once_and_forgotten_when_removed(stack: Stack) -> None:
    hr = {"Authorization": f"Bearer {token(stack, 'E1003')}"}
    document = (
        "# Bicycle parking\n\n## Permits\n\nStaff who cycle to work can get a bicycle parking permit "
        "from the facilities desk on the ground floor. The permit is free and valid for one calendar year; "
        "bring your staff card.\n"
    )
    uploaded = httpx.post(
        f"{stack.gateway_url}/api/admin/knowledge/documents",
        headers=hr,
        files={"file": ("bicycle-parking.md", document.encode(), "text/markdown")},
        timeout=120,
    )
    assert uploaded.status_code == 201, uploaded.text
    try:
        reply = chat(stack, "where do I get a bicycle parking permit?")
        cited = [c for m in reply.json()["messages"] for c in m.get("citations") or []]
        assert any(c["source"] == "bicycle-parking.md" for c in cited), reply.json()
        assert "facilities desk" in all_text(reply)
    finally:
        removed = httpx.delete(
            f"{stack.gateway_url}/api/admin/knowledge/documents/bicycle-parking.md", headers=hr, timeout=60
        )
    assert removed.status_code == 200, removed.text
    after = chat(stack, "where do I get a bicycle parking permit?")
    cited = [c for m in after.json()["messages"] for c in m.get("citations") or []]
    assert not any(c["source"] == "bicycle-parking.md" for c in cited), after.json()


def test_an_employee_cannot_curate_documents(stack: Stack) -> None:
    reply = httpx.post(
        f"{stack.gateway_url}/api/admin/knowledge/documents",
        headers={"Authorization": f"Bearer {token(stack, 'E1001')}"},
        files={"file": ("x.md", b"# x\n\ntext\n", "text/markdown")},
        timeout=30,
    )
    assert reply.status_code == 403, reply.text
