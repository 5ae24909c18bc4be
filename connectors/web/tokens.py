"""Web sign-in tokens: verification of the intranet SSO JWT, and dev tokens for the demo/CLI.

Exactly one algorithm is accepted (HRBOT_JWT_ALGORITHM, or inferred: RS256 when a public key or a
key set is configured, else HS256). Expiry and ``sub`` are required; ``aud`` and ``iss`` whenever
they are configured (production requires both, see hrbot.security); clock skew is bounded by
HRBOT_JWT_LEEWAY_S. Anything else is rejected; callers turn the rejection into a 401 and never fall
back to anonymous.

Keys the way intranets publish them: with HRBOT_OIDC_ISSUER the issuer's discovery document
(``/.well-known/openid-configuration``) names the key set; HRBOT_JWT_JWKS_URL names it directly.
PyJWT's ``PyJWKClient`` fetches it, caches it HRBOT_JWKS_CACHE_S seconds and fetches it again when a
token names a ``kid`` it does not know (the SSO rotated its key), at most once per
HRBOT_JWKS_MIN_REFRESH_S. A token without ``kid`` is refused in this mode.
"""

from __future__ import annotations

import re
import threading
import time

import httpx
import jwt

from connectors.settings import ConnectorSettings

EMPLOYEE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class TokenError(Exception):
    """The presented token is not acceptable; ``str(exc)`` is safe to show to the client."""


class SignInNotConfigured(RuntimeError):
    """Raised when a token is needed but no JWT secret/public key is configured."""


_clients: dict[tuple[str, float, float], jwt.PyJWKClient] = {}
_discovered: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def _jwks_url(settings: ConnectorSettings) -> str:
    """HRBOT_JWT_JWKS_URL, or the ``jwks_uri`` of the OIDC issuer's discovery document (cached)."""
    if settings.hrbot_jwt_jwks_url:
        return settings.hrbot_jwt_jwks_url
    issuer = (settings.hrbot_oidc_issuer or "").rstrip("/")
    with _lock:
        cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[1] < settings.hrbot_jwks_cache_s:
        return cached[0]
    try:
        response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5.0)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise TokenError("the sign-in service's keys cannot be fetched right now") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer or not document.get("jwks_uri"):
        raise TokenError("the sign-in service's discovery document does not match HRBOT_OIDC_ISSUER")
    with _lock:
        _discovered[issuer] = (document["jwks_uri"], time.monotonic())
    return document["jwks_uri"]


def _jwks_key(token: str, settings: ConnectorSettings) -> object:
    """The SSO's public key named by the token's ``kid`` (fetched, cached, refetched on rotation)."""
    if not jwt.get_unverified_header(token).get("kid"):
        raise TokenError("token has no key id ('kid')")
    url = _jwks_url(settings)
    key = (url, settings.hrbot_jwks_cache_s, settings.hrbot_jwks_min_refresh_s)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = jwt.PyJWKClient(
                url,
                cache_jwk_set=True,
                lifespan=settings.hrbot_jwks_cache_s,
                cooldown_duration=settings.hrbot_jwks_min_refresh_s,
                timeout=5,
            )
    try:
        return client.get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientConnectionError as exc:
        raise TokenError("the sign-in service's keys cannot be fetched right now") from exc
    except jwt.PyJWKClientError as exc:
        raise TokenError("token is signed with a key the sign-in service does not publish") from exc


def verify_web_token(token: str, settings: ConnectorSettings) -> str:
    """Return the employee id (``sub``) of a valid web token or raise TokenError."""
    algorithm = settings.jwt_algorithm
    if algorithm is None:
        raise TokenError("sign-in is not configured on this server")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("malformed token") from exc
    if header.get("alg") != algorithm:
        raise TokenError(f"token algorithm must be {algorithm}")
    if algorithm == "HS256":
        key: object = settings.hrbot_jwt_secret
    elif settings.jwks_configured:
        key = _jwks_key(token, settings)
    else:
        key = settings.hrbot_jwt_public_key
    if not key:
        raise TokenError("sign-in is not configured on this server")
    required = ["exp", "sub"]
    if settings.hrbot_jwt_audience:
        required.append("aud")
    if settings.jwt_issuer:
        required.append("iss")
    options = {"require": required, "verify_aud": settings.hrbot_jwt_audience is not None}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options=options,
            audience=settings.hrbot_jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.hrbot_jwt_leeway_s,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenError("invalid token signature") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenError(f"token is missing the '{exc.claim}' claim") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenError("token was issued for another application") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenError("token was issued by another issuer") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenError("token is not valid yet") from exc
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
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.hrbot_jwt_audience:
        claims["aud"] = settings.hrbot_jwt_audience
    return jwt.encode(claims, settings.hrbot_jwt_secret, algorithm="HS256")
