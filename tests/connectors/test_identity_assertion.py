"""The identity assertion (hrbot.identity): the only carrier of "who is asking" to the actions,
bound to its conversation and its message (issue 17)."""

from __future__ import annotations

import time

import jwt
import pytest

from hrbot.identity import Identity, ReplayGuard, sign_identity, verify_identity

SECRET = "identity-secret-for-tests-0123456789abcdef0123"
SENDER = "web:E1001"


def sign(employee: str = "E1001", sender: str = SENDER, **kw: object) -> str:
    return sign_identity(employee, "web", SECRET, sender=sender, **kw)


def test_round_trip() -> None:
    token = sign()
    ident = verify_identity(token, SECRET, sender=SENDER, message_id="m1", guard=ReplayGuard())
    assert isinstance(ident, Identity)
    assert (ident.employee_id, ident.channel, ident.sender) == ("E1001", "web", SENDER)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(claims) == {"sub", "chn", "sid", "jti", "iat", "exp"}
    assert claims["exp"] - claims["iat"] <= 60, "an assertion lives a minute at most by default"


def test_presented_in_another_conversation_is_rejected() -> None:
    token = sign(sender="web:E1001")
    assert verify_identity(token, SECRET, sender="web:E1003") is None
    assert verify_identity(token, SECRET, sender="tg:42") is None
    assert verify_identity(token, SECRET, sender="web:E1001") is not None


def test_replayed_with_another_message_is_rejected() -> None:
    guard = ReplayGuard()
    token = sign()
    # several actions run for one message: the same assertion with the same message is fine
    assert verify_identity(token, SECRET, sender=SENDER, message_id="m1", guard=guard) is not None
    assert verify_identity(token, SECRET, sender=SENDER, message_id="m1", guard=guard) is not None
    # the captured assertion sent again with a new message is a replay
    assert verify_identity(token, SECRET, sender=SENDER, message_id="m2", guard=guard) is None
    # a fresh assertion (new nonce) for the next message is accepted
    assert verify_identity(sign(), SECRET, sender=SENDER, message_id="m2", guard=guard) is not None


def test_wrong_secret_is_rejected() -> None:
    assert verify_identity(sign(), SECRET + "x") is None


def test_expired_is_rejected() -> None:
    assert verify_identity(sign(ttl_s=-5), SECRET) is None


def test_alg_none_is_rejected() -> None:
    now = int(time.time())
    claims = {"sub": "E1003", "chn": "web", "sid": SENDER, "jti": "x", "iat": now, "exp": now + 60}
    forged = jwt.encode(claims, None, algorithm="none")
    assert verify_identity(forged, SECRET) is None


@pytest.mark.parametrize("missing", ["sub", "chn", "sid", "jti", "iat", "exp"])
def test_missing_claims_are_rejected(missing: str) -> None:
    now = int(time.time())
    claims = {"sub": "E1001", "chn": "web", "sid": SENDER, "jti": "n1", "iat": now, "exp": now + 60}
    del claims[missing]
    assert verify_identity(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET) is None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", None])
def test_malformed_is_rejected(token: str | None) -> None:
    assert verify_identity(token, SECRET) is None  # type: ignore[arg-type]


def test_signing_needs_a_secret_and_a_conversation() -> None:
    with pytest.raises(ValueError):
        sign_identity("E1001", "web", "", sender=SENDER)
    with pytest.raises(ValueError):
        sign_identity("E1001", "web", SECRET, sender="")
    assert verify_identity(sign(), "") is None
