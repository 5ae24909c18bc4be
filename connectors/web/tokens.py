"""Web sign-in tokens: verification of the intranet SSO JWT, and dev tokens for the demo/CLI.

Exactly one algorithm is accepted (HRBOT_JWT_ALGORITHM, or inferred: RS256 when a public key is
configured, else HS256). Expiry and ``sub`` are required. Anything else is rejected; callers turn
the rejection into a 401 and never fall back to anonymous.
"""

from __future__ import annotations

import re
import time

import jwt

from connectors.settings import ConnectorSettings

EMPLOYEE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class TokenError(Exception):
    """The presented token is not acceptable; ``str(exc)`` is safe to show to the client."""


class SignInNotConfigured(RuntimeError):
    """Raised when a token is needed but no JWT secret/public key is configured."""


def verify_web_token(token: str, settings: ConnectorSettings) -> str:
    """Return the employee id (``sub``) of a valid web token or raise TokenError."""
    algorithm = settings.jwt_algorithm
    if algorithm is None:
        raise TokenError("sign-in is not configured on this server")
    key = settings.hrbot_jwt_public_key if algorithm == "RS256" else settings.hrbot_jwt_secret
    if not key:
        raise TokenError("sign-in is not configured on this server")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("malformed token") from exc
    if header.get("alg") != algorithm:
        raise TokenError(f"token algorithm must be {algorithm}")
    options = {"require": ["exp", "sub"], "verify_aud": settings.hrbot_jwt_audience is not None}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options=options,
            audience=settings.hrbot_jwt_audience,
            issuer=settings.hrbot_jwt_issuer,
            leeway=10,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenError("invalid token signature") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenError(f"token is missing the '{exc.claim}' claim") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid token") from exc
    sub = claims.get("sub")
    if not isinstance(sub, str) or not EMPLOYEE_ID_RE.match(sub):
        raise TokenError("token subject is not a valid employee id")
    return sub


def issue_dev_token(employee_id: str, settings: ConnectorSettings, ttl_s: int | None = None) -> str:
    """Sign an HS256 web token for ``employee_id`` (``hrbot token`` and the demo page's ``/dev/token``).

    Only possible with HRBOT_JWT_SECRET: production (RS256) tokens come from the real SSO.
    """
    if not settings.hrbot_jwt_secret:
        raise SignInNotConfigured(
            "HRBOT_JWT_SECRET is not set: dev tokens can only be issued with the embedded HS256 secret "
            "(run `hrbot setup` or set HRBOT_JWT_SECRET in .env)"
        )
    if settings.jwt_algorithm != "HS256":
        raise SignInNotConfigured(
            f"HRBOT_JWT_ALGORITHM is {settings.jwt_algorithm}; dev tokens are HS256 only"
        )
    if not EMPLOYEE_ID_RE.match(employee_id):
        raise ValueError(f"not a valid employee id: {employee_id!r}")
    now = int(time.time())
    ttl = ttl_s if ttl_s is not None else settings.hrbot_dev_token_ttl_s
    claims: dict[str, object] = {"sub": employee_id, "iat": now, "exp": now + ttl}
    if settings.hrbot_jwt_issuer:
        claims["iss"] = settings.hrbot_jwt_issuer
    if settings.hrbot_jwt_audience:
        claims["aud"] = settings.hrbot_jwt_audience
    return jwt.encode(claims, settings.hrbot_jwt_secret, algorithm="HS256")
