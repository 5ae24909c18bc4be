"""Identity assertions: the only way an employee id travels from a connector to the Rasa actions.

Connectors authenticate the user (web SSO JWT, linked Telegram account) and sign a short-lived
HS256 JWT with ``HRBOT_IDENTITY_SECRET``; the custom actions verify it. Message text and slots are
never trusted for identity, so an assertion is the single source of "who is asking".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "chn", "iat", "exp"]


@dataclass(frozen=True)
class Identity:
    """A verified identity assertion."""

    employee_id: str
    channel: str
    expires_at: int


def sign_identity(employee_id: str, channel: str, secret: str, ttl_s: int = 300) -> str:
    """Sign an assertion that ``employee_id`` is talking on ``channel`` (valid for ``ttl_s`` seconds)."""
    if not secret:
        raise ValueError("HRBOT_IDENTITY_SECRET is not configured; cannot sign identity assertions")
    if not employee_id or not channel:
        raise ValueError("employee_id and channel are required")
    now = int(time.time())
    claims = {"sub": employee_id, "chn": channel, "iat": now, "exp": now + int(ttl_s)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_identity(token: str, secret: str) -> Identity | None:
    """Return the identity in ``token`` or ``None`` if it is missing, forged, expired or malformed."""
    if not token or not secret or not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": _REQUIRED_CLAIMS})
    except jwt.PyJWTError:
        return None
    sub, chn = claims.get("sub"), claims.get("chn")
    if not isinstance(sub, str) or not sub or not isinstance(chn, str) or not chn:
        return None
    return Identity(employee_id=sub, channel=chn, expires_at=int(claims["exp"]))
