"""Web sign-in token verification: one algorithm, expiry and sub required, no alg confusion."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.settings import ConnectorSettings
from connectors.web.tokens import SignInNotConfigured, TokenError, issue_dev_token, verify_web_token
from tests.connectors.conftest import JWT_SECRET


def hs_settings(**kw: object) -> ConnectorSettings:
    return ConnectorSettings(_env_file=None, hrbot_jwt_secret=JWT_SECRET, **kw)


def _claims(sub: str = "E1001", ttl: int = 300, **extra: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": sub, "iat": now, "exp": now + ttl, **extra}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    path = tmp_path_factory.mktemp("keys") / "sso_public.pem"
    path.write_text(public)
    return private, public, path


def test_valid_hs256() -> None:
    token = jwt.encode(_claims(), JWT_SECRET, algorithm="HS256")
    assert verify_web_token(token, hs_settings()) == "E1001"


def test_forged_signature() -> None:
    token = jwt.encode(_claims(sub="E1003"), "someone-elses-secret-0123456789abcdef012345", algorithm="HS256")
    with pytest.raises(TokenError, match="signature"):
        verify_web_token(token, hs_settings())


def test_tampered_payload() -> None:
    header, _, sig = jwt.encode(_claims(), JWT_SECRET, algorithm="HS256").split(".")
    forged = ".".join([header, _b64(_claims(sub="E1003")), sig])
    with pytest.raises(TokenError):
        verify_web_token(forged, hs_settings())


def test_expired() -> None:
    token = jwt.encode(_claims(ttl=-60), JWT_SECRET, algorithm="HS256")
    with pytest.raises(TokenError, match="expired"):
        verify_web_token(token, hs_settings())


def test_alg_none() -> None:
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims()) + "."
    with pytest.raises(TokenError, match="algorithm"):
        verify_web_token(unsigned, hs_settings())


@pytest.mark.parametrize("missing", ["exp", "sub"])
def test_missing_claims(missing: str) -> None:
    claims = _claims()
    del claims[missing]
    with pytest.raises(TokenError, match=missing):
        verify_web_token(jwt.encode(claims, JWT_SECRET, algorithm="HS256"), hs_settings())


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "Bearer x"])
def test_malformed(token: str) -> None:
    with pytest.raises(TokenError):
        verify_web_token(token, hs_settings())


# the deployment's own secret (long enough for HS256) used with the wrong algorithm: PyJWT warns that
# it is short for HS512, which is beside the point here
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_wrong_algorithm_hs512() -> None:
    token = jwt.encode(_claims(), JWT_SECRET, algorithm="HS512")
    with pytest.raises(TokenError, match="HS256"):
        verify_web_token(token, hs_settings())


def test_subject_must_look_like_an_employee_id() -> None:
    token = jwt.encode(_claims(sub="E1001\nX-Acting-Employee: E1003"), JWT_SECRET, algorithm="HS256")
    with pytest.raises(TokenError, match="subject"):
        verify_web_token(token, hs_settings())


def test_rs256_with_generated_key_pair(rsa_keys: tuple[bytes, str, Path]) -> None:
    private, public, path = rsa_keys
    token = jwt.encode(_claims(sub="E1002"), private, algorithm="RS256")
    assert verify_web_token(token, ConnectorSettings(_env_file=None, hrbot_jwt_public_key=public)) == "E1002"
    # the key may also be given as a file path
    assert (
        verify_web_token(token, ConnectorSettings(_env_file=None, hrbot_jwt_public_key=str(path))) == "E1002"
    )


def test_rs256_rejects_other_key(rsa_keys: tuple[bytes, str, Path]) -> None:
    _, public, _ = rsa_keys
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), other, algorithm="RS256")
    with pytest.raises(TokenError, match="signature"):
        verify_web_token(token, ConnectorSettings(_env_file=None, hrbot_jwt_public_key=public))


def test_rs256_rejects_hs256_signed_with_public_key(rsa_keys: tuple[bytes, str, Path]) -> None:
    """Key confusion: an HS256 token whose HMAC key is the (public) RSA key must not pass."""
    _, public, _ = rsa_keys
    header = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(_claims(sub="E1003"))
    import hashlib
    import hmac

    sig = hmac.new(public.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="RS256"):
        verify_web_token(token, ConnectorSettings(_env_file=None, hrbot_jwt_public_key=public))


def test_explicit_algorithm_setting_wins() -> None:
    settings = ConnectorSettings(_env_file=None, hrbot_jwt_secret=JWT_SECRET, hrbot_jwt_algorithm="RS256")
    with pytest.raises(TokenError):  # RS256 configured but no public key: nothing verifies
        verify_web_token(jwt.encode(_claims(), JWT_SECRET, algorithm="HS256"), settings)


def test_not_configured() -> None:
    with pytest.raises(TokenError, match="not configured"):
        verify_web_token(
            jwt.encode(_claims(), JWT_SECRET, algorithm="HS256"), ConnectorSettings(_env_file=None)
        )


def test_issue_dev_token() -> None:
    token = issue_dev_token("E1003", hs_settings())
    assert verify_web_token(token, hs_settings()) == "E1003"
    with pytest.raises(SignInNotConfigured, match="HRBOT_JWT_SECRET"):
        issue_dev_token("E1003", ConnectorSettings(_env_file=None))
    with pytest.raises(ValueError):
        issue_dev_token("../etc", hs_settings())
