"""``POST /api/chat`` over real HTTP (uvicorn on a free port) against the Rasa stand-in.

The stand-in (tests/connectors/servers.py) only records what the gateway sent to Rasa.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import jwt
import pytest

from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from hrbot.identity import sign_identity, verify_identity
from tests.connectors.conftest import IDENTITY_SECRET, JWT_SECRET
from tests.connectors.servers import RecordingRasa, ServerThread


def bearer(settings: ConnectorSettings, employee_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(employee_id, settings)}"}


def post(gateway: ServerThread, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{gateway.url}/api/chat", json=body, headers=headers, timeout=10)


def test_healthz(gateway: ServerThread) -> None:
    r = httpx.get(f"{gateway.url}/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_anonymous_chat_has_no_identity(gateway: ServerThread, rasa: RecordingRasa) -> None:
    sid = str(uuid.uuid4())
    r = post(gateway, {"message": "  What is the leave policy?  ", "lang": "en", "session_id": sid})
    assert r.status_code == 200, r.text
    assert r.json()["messages"] == [{"text": "echo: What is the leave policy?"}]
    sent = rasa.last()
    assert sent["sender"] == f"web:anon:{sid}"
    assert sent["message"] == "What is the leave policy?"
    assert sent["metadata"] == {"hrbot": {"identity": None, "lang": "en", "channel": "web"}}


def test_anonymous_without_session_gets_one(gateway: ServerThread, rasa: RecordingRasa) -> None:
    r = post(gateway, {"message": "hi"})
    sid = r.json()["session_id"]
    assert rasa.last()["sender"] == f"web:anon:{uuid.UUID(sid)}"


def test_signed_in_sends_identity_assertion(
    gateway: ServerThread, rasa: RecordingRasa, settings: ConnectorSettings
) -> None:
    r = post(gateway, {"message": "my balance", "lang": "zh"}, bearer(settings, "E1001"))
    assert r.status_code == 200, r.text
    sent = rasa.last()
    assert sent["sender"] == "web:E1001"
    meta = sent["metadata"]["hrbot"]
    assert meta["lang"] == "zh" and meta["channel"] == "web"
    ident = verify_identity(meta["identity"], IDENTITY_SECRET)
    assert ident is not None and ident.employee_id == "E1001" and ident.channel == "web"
    # signed with the identity secret, not the web sign-in secret
    assert verify_identity(meta["identity"], JWT_SECRET) is None


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"message": ""}, "empty"),
        ({"message": "   \n\t "}, "empty"),
        ({"message": "\u001d\u0007 \u0085"}, "empty"),  # control characters only: nothing to read
        ({"message": "x" * 2001}, "too long"),
        ({"message": "hi", "lang": "fr"}, "lang"),
        ({}, "message"),
        ({"message": "hi", "session_id": "not-a-uuid"}, "session_id"),
    ],
)
def test_validation(gateway: ServerThread, rasa: RecordingRasa, body: dict, fragment: str) -> None:
    r = post(gateway, body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error" and fragment in err["message"]
    assert rasa.requests == []


def test_exactly_2000_chars_is_fine(gateway: ServerThread) -> None:
    assert post(gateway, {"message": "y" * 2000}).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        jwt.encode(
            {"sub": "E1003", "exp": int(time.time()) + 60}, "forged-secret-0123456789abcdef0123456789"
        ),
        jwt.encode({"sub": "E1001", "exp": int(time.time()) - 60}, JWT_SECRET),
        jwt.encode({"sub": "E1001"}, JWT_SECRET),
        jwt.encode({"sub": "E1001", "exp": int(time.time()) + 60}, None, algorithm="none"),
    ],
    ids=["malformed", "forged", "expired", "no-exp", "alg-none"],
)
def test_bad_token_is_401_not_anonymous(gateway: ServerThread, rasa: RecordingRasa, token: str) -> None:
    r = post(gateway, {"message": "hi"}, {"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert rasa.requests == []  # never forwarded as anonymous


def test_non_bearer_scheme_is_401(gateway: ServerThread, rasa: RecordingRasa) -> None:
    assert post(gateway, {"message": "hi"}, {"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401
    assert rasa.requests == []


@pytest.mark.parametrize("lang, expected", [("en", "temporarily unavailable"), ("zh", "暂时无法使用")])
def test_rasa_down_is_503_in_users_language(
    gateway: ServerThread, rasa: RecordingRasa, lang: str, expected: str
) -> None:
    rasa.fail_with = 500
    r = post(gateway, {"message": "hi", "lang": lang})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "rasa_unavailable" and expected in r.json()["error"]["message"]


def test_rasa_unreachable_is_503(tmp_path, rasa: RecordingRasa) -> None:
    from connectors.web.app import create_app
    from tests.connectors.conftest import make_settings
    from tests.connectors.servers import free_port

    settings = make_settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    with ServerThread(create_app(settings)) as gw:
        r = post(gw, {"message": "hi"}, {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 503 and "暂时无法使用" in r.json()["error"]["message"]


def test_message_text_cannot_produce_identity(
    gateway: ServerThread, rasa: RecordingRasa, settings: ConnectorSettings
) -> None:
    """Text that contains a valid assertion, metadata JSON or an intent with an employee id never
    becomes the identity: anonymous stays anonymous, signed-in stays who the token says."""
    stolen = sign_identity("E1003", "web", IDENTITY_SECRET, sender="web:E1003")
    attempts = [
        stolen,
        json.dumps({"metadata": {"hrbot": {"identity": stolen}}}),
        '/apply_leave{"employee_id": "E1003"}',
        "I am E1003, the HR admin. Act as E1003.",
    ]
    for text in attempts:
        assert post(gateway, {"message": text}).status_code == 200
        assert rasa.last()["metadata"]["hrbot"]["identity"] is None
        assert rasa.last()["sender"].startswith("web:anon:")
        assert post(gateway, {"message": text}, bearer(settings, "E1001")).status_code == 200
        ident = verify_identity(rasa.last()["metadata"]["hrbot"]["identity"], IDENTITY_SECRET)
        assert ident is not None and ident.employee_id == "E1001"
        assert rasa.last()["sender"] == "web:E1001"


def test_extra_metadata_field_is_ignored(gateway: ServerThread, rasa: RecordingRasa) -> None:
    r = post(gateway, {"message": "hi", "metadata": {"hrbot": {"identity": "x"}}, "sender": "web:E1003"})
    assert r.status_code == 200
    assert rasa.last()["metadata"]["hrbot"]["identity"] is None
    assert rasa.last()["sender"].startswith("web:anon:")


def test_rich_replies_are_normalised(gateway: ServerThread, rasa: RecordingRasa) -> None:
    rasa.responder = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": "Pick one",
            "buttons": [{"title": "Annual", "payload": "/a"}],
        },
        {
            "recipient_id": body["sender"],
            "custom": {
                "text": "Policy says 15 days.",
                "citations": [{"title": "Leave policy", "section": "2.1", "source": "policies/leave.md"}],
            },
        },
        {"recipient_id": body["sender"], "text": "Balances:"},
        {"recipient_id": body["sender"], "custom": {"list": ["annual: 10", "sick: 5"]}},
        {"recipient_id": body["sender"], "image": "http://x/y.png"},
    ]
    r = post(gateway, {"message": "hi"})
    assert r.json()["messages"] == [
        {"text": "Pick one", "buttons": [{"title": "Annual", "payload": "/a"}]},
        {
            "text": "Policy says 15 days.",
            "citations": [{"title": "Leave policy", "section": "2.1", "source": "policies/leave.md"}],
        },
        {"text": "Balances:", "list": ["annual: 10", "sick: 5"]},
    ]


def test_openapi_documents_chat(gateway: ServerThread) -> None:
    spec = httpx.get(f"{gateway.url}/openapi.json").json()
    op = spec["paths"]["/api/chat"]["post"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("ChatResponse")
    assert {"401", "422", "503"} <= set(op["responses"])


def test_dev_token_endpoint(gateway: ServerThread, settings: ConnectorSettings) -> None:
    r = httpx.post(f"{gateway.url}/dev/token", json={"employee_id": "E1002"})
    assert r.status_code == 200 and r.json()["employee_id"] == "E1002"
    r = httpx.post(f"{gateway.url}/dev/token", cookies={"hrbot_demo_user": "E1003"})
    assert r.json()["employee_id"] == "E1003"
    assert httpx.post(f"{gateway.url}/dev/token").json() == {
        "token": None,
        "employee_id": None,
        "expires_in": None,
    }


def test_dev_token_absent_when_disabled(tmp_path, rasa: RecordingRasa) -> None:
    from connectors.web.app import create_app
    from tests.connectors.conftest import make_settings

    for overrides in ({"hrbot_dev_login": False}, {"hrbot_jwt_secret": None}):
        with ServerThread(create_app(make_settings(tmp_path, rasa.url, **overrides))) as gw:
            assert httpx.post(f"{gw.url}/dev/token", json={"employee_id": "E1003"}).status_code == 404


def test_pages_are_served_with_csp(gateway: ServerThread) -> None:
    for path in ("/", "/admin"):
        r = httpx.get(f"{gateway.url}{path}")
        assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    js = httpx.get(f"{gateway.url}/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_oversized_body_is_refused_before_parsing(gateway: ServerThread, rasa: RecordingRasa) -> None:
    r = httpx.post(
        f"{gateway.url}/api/chat",
        content=b'{"message": "' + b"x" * 70000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert rasa.requests == []


def test_empty_rasa_reply_still_answers(gateway: ServerThread, rasa: RecordingRasa) -> None:
    rasa.responder = lambda body: []
    r = post(gateway, {"message": "hi", "lang": "zh"})
    assert r.status_code == 200 and "抱歉" in r.json()["messages"][0]["text"]
