"""SSO keys the way intranets publish them (issue 17): an OIDC issuer's discovery document names a
JWKS; keys are looked up by ``kid``, cached, and fetched again when the SSO rotates its key.

The SSO here is a local HTTP server (a stand-in for a third-party identity provider) that serves a
discovery document and a key set, counts the fetches, and can rotate its key.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.settings import ConnectorSettings
from connectors.web.tokens import TokenError, verify_web_token
from tests.connectors.conftest import make_settings
from tests.connectors.servers import RecordingRasa, ServerThread

AUDIENCE = "hrbot"


class FakeSSO:
    """An OIDC issuer publishing one current RSA key (``rotate`` replaces it with a new kid)."""

    def __init__(self) -> None:
        self.fetches = 0
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.rotate()
        self.server = ServerThread(
            Starlette(
                routes=[
                    Route("/.well-known/openid-configuration", self._discovery),
                    Route("/keys", self._jwks),
                ]
            )
        )
        self.issuer = self.server.url

    def rotate(self) -> str:
        kid = uuid.uuid4().hex[:8]
        self.keys = [(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))]
        return kid

    async def _discovery(self, _: Request) -> JSONResponse:
        return JSONResponse({"issuer": self.issuer, "jwks_uri": f"{self.issuer}/keys"})

    async def _jwks(self, _: Request) -> JSONResponse:
        self.fetches += 1
        keys = []
        for kid, key in self.keys:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return JSONResponse({"keys": keys})

    def token(self, sub: str = "E1001", kid: str | None = "current", **claims: object) -> str:
        current_kid, key = self.keys[0]
        now = int(time.time())
        body = {"sub": sub, "iss": self.issuer, "aud": AUDIENCE, "iat": now, "exp": now + 300, **claims}
        headers = {} if kid is None else {"kid": current_kid if kid == "current" else kid}
        return jwt.encode(body, key, algorithm="RS256", headers=headers)


@pytest.fixture
def sso() -> Iterator[FakeSSO]:
    fake = FakeSSO()
    fake.server.start()
    yield fake
    fake.server.stop()


def oidc_settings(sso: FakeSSO, **kw: object) -> ConnectorSettings:
    values: dict[str, object] = {
        "hrbot_oidc_issuer": sso.issuer,
        "hrbot_jwt_audience": AUDIENCE,
        # each test's SSO has its own URL, so its own cache: trusted 1 s, refetched on an unknown kid
        "hrbot_jwks_cache_s": 1.0,
        "hrbot_jwks_min_refresh_s": 0.0,
    }
    values.update(kw)
    return ConnectorSettings(_env_file=None, **values)


def test_keys_from_the_discovery_document_are_cached(sso: FakeSSO) -> None:
    settings = oidc_settings(sso, hrbot_jwks_cache_s=60.0)
    for _ in range(5):
        assert verify_web_token(sso.token(), settings) == "E1001"
    assert sso.fetches == 1, "the key set is fetched once, then served from the cache"


def test_a_rotated_key_is_fetched_and_the_retired_one_stops_working(sso: FakeSSO) -> None:
    settings = oidc_settings(sso)
    old_token = sso.token("E1001")
    assert verify_web_token(old_token, settings) == "E1001"
    sso.rotate()
    # a token signed with the new key names a kid the cache lacks: the set is fetched again
    assert verify_web_token(sso.token("E1002"), settings) == "E1002"
    assert sso.fetches == 2
    time.sleep(1.2)  # the cache lifetime: the retired key is no longer trusted
    with pytest.raises(TokenError, match="does not publish"):
        verify_web_token(old_token, settings)


def test_kid_audience_issuer_and_clock_skew_are_enforced(sso: FakeSSO) -> None:
    settings = oidc_settings(sso, hrbot_jwt_leeway_s=30)
    with pytest.raises(TokenError, match="kid"):
        verify_web_token(sso.token(kid=None), settings)
    with pytest.raises(TokenError, match="another application"):
        verify_web_token(sso.token(aud="payroll-app"), settings)
    with pytest.raises(TokenError, match="another issuer"):
        verify_web_token(sso.token(iss="https://evil.example.com"), settings)
    with pytest.raises(TokenError, match="missing the 'aud'"):
        token = sso.token()
        claims = jwt.decode(token, options={"verify_signature": False})
        del claims["aud"]
        verify_web_token(jwt.encode(claims, sso.keys[0][1], "RS256", {"kid": sso.keys[0][0]}), settings)
    # expired a minute ago: beyond the 30 s of skew tolerated
    now = int(time.time())
    with pytest.raises(TokenError, match="expired"):
        verify_web_token(sso.token(iat=now - 400, exp=now - 60), settings)
    # expired 10 s ago: within the skew, accepted
    assert verify_web_token(sso.token(iat=now - 400, exp=now - 10), settings) == "E1001"
    with pytest.raises(TokenError, match="not valid yet"):
        verify_web_token(sso.token(nbf=now + 120), settings)
    # a key the SSO never published (same kid, another key) fails the signature
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = {"sub": "E1003", "iss": sso.issuer, "aud": AUDIENCE, "exp": now + 60}
    forged = jwt.encode(body, forged_key, "RS256", {"kid": sso.keys[0][0]})
    with pytest.raises(TokenError, match="signature"):
        verify_web_token(forged, settings)


def test_the_gateway_signs_in_with_the_sso_through_rotation(
    sso: FakeSSO, tmp_path, rasa: RecordingRasa
) -> None:
    settings = make_settings(
        tmp_path,
        rasa.url,
        hrbot_jwt_secret=None,
        hrbot_dev_login=False,
        hrbot_oidc_issuer=sso.issuer,
        hrbot_jwt_audience=AUDIENCE,
        hrbot_jwks_min_refresh_s=0.0,
    )
    from connectors.web.app import create_app

    with ServerThread(create_app(settings)) as gateway:
        for who in ("E1001", "E1002"):
            auth = {"Authorization": f"Bearer {sso.token(who)}"}
            reply = httpx.post(f"{gateway.url}/api/chat", json={"message": "hi"}, headers=auth)
            assert reply.status_code == 200, reply.text
            assert rasa.last()["sender"] == f"web:{who}"
            sso.rotate()
        other_app = sso.token("E1003", aud="payroll-app")
        reply = httpx.post(
            f"{gateway.url}/api/chat",
            json={"message": "hi"},
            headers={"Authorization": f"Bearer {other_app}"},
        )
        assert reply.status_code == 401 and "another application" in reply.json()["error"]["message"]
