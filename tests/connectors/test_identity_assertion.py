"""The identity assertion (hrbot.identity): the only carrier of "who is asking" to the actions."""

from __future__ import annotations

import time

import jwt
import pytest

from hrbot.identity import Identity, sign_identity, verify_identity

SECRET = "identity-secret-for-tests-0123456789abcdef0123"


def test_round_trip() -> None:
    token = sign_identity("E1001", "web", SECRET)
    ident = verify_identity(token, SECRET)
    assert isinstance(ident, Identity)
    assert (ident.employee_id, ident.channel) == ("E1001", "web")
    assert ident.expires_at > time.time()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(claims) == {"sub", "chn", "iat", "exp"}


def test_wrong_secret_is_rejected() -> None:
    assert verify_identity(sign_identity("E1001", "web", SECRET), SECRET + "x") is None


def test_expired_is_rejected() -> None:
    assert verify_identity(sign_identity("E1001", "web", SECRET, ttl_s=-5), SECRET) is None


def test_alg_none_is_rejected() -> None:
    now = int(time.time())
    forged = jwt.encode({"sub": "E1003", "chn": "web", "iat": now, "exp": now + 60}, None, algorithm="none")
    assert verify_identity(forged, SECRET) is None


@pytest.mark.parametrize("missing", ["sub", "chn", "iat", "exp"])
def test_missing_claims_are_rejected(missing: str) -> None:
    now = int(time.time())
    claims = {"sub": "E1001", "chn": "web", "iat": now, "exp": now + 60}
    del claims[missing]
    assert verify_identity(jwt.encode(claims, SECRET, algorithm="HS256"), SECRET) is None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", None])
def test_malformed_is_rejected(token: str | None) -> None:
    assert verify_identity(token, SECRET) is None  # type: ignore[arg-type]


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError):
        sign_identity("E1001", "web", "")
    assert verify_identity(sign_identity("E1001", "web", SECRET), "") is None
