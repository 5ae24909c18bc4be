"""Identity assertions: the only way an employee id travels from a connector to the Rasa actions.

Connectors authenticate the user (web SSO JWT, linked Telegram account) and sign a short-lived
HS256 JWT with ``HRBOT_IDENTITY_SECRET``; the custom actions verify it. Message text and slots are
never trusted for identity, so an assertion is the single source of "who is asking".

An assertion is bound to its conversation and its message: it names the Rasa sender id it was made
for (``sid``), lives a minute at most by default, and carries a nonce (``jti``). The action server
refuses one presented in another conversation, and one presented again with another message (a
replay): the nonce is remembered with the first message it came with until it expires.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["sub", "chn", "sid", "jti", "iat", "exp"]
DEFAULT_TTL_S = 60


@dataclass(frozen=True)
class Identity:
    """A verified identity assertion."""

    employee_id: str
    channel: str
    expires_at: int
    sender: str = ""


class ReplayGuard:
    """Nonces seen, each with the message it first came with, until the assertion expires.

    In memory, per action server process: several action servers behind one Rasa would each keep
    their own (an assertion still cannot leave its conversation, and expires within a minute).
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def first_use(self, nonce: str, message_id: str, expires_at: int) -> bool:
        """True when ``nonce`` is new or comes again with the same message (several actions run
        for one message); False when it comes with another message: a replay."""
        now = int(time.time())
        with self._lock:
            if len(self._seen) > 1024:
                self._seen = {n: v for n, v in self._seen.items() if v[1] >= now}
            seen = self._seen.get(nonce)
            if seen is not None and seen[1] >= now:
                return seen[0] == message_id
            self._seen[nonce] = (message_id, expires_at)
            return True


REPLAY_GUARD = ReplayGuard()


def sign_identity(
    employee_id: str, channel: str, secret: str, ttl_s: int = DEFAULT_TTL_S, *, sender: str
) -> str:
    """Sign an assertion that ``employee_id`` is talking on ``channel`` in the Rasa conversation
    ``sender`` (valid for ``ttl_s`` seconds, for one message)."""
    if not secret:
        raise ValueError("HRBOT_IDENTITY_SECRET is not configured; cannot sign identity assertions")
    if not employee_id or not channel or not sender:
        raise ValueError("employee_id, channel and sender are required")
    now = int(time.time())
    claims = {
        "sub": employee_id,
        "chn": channel,
        "sid": sender,
        "jti": secrets.token_urlsafe(12),
        "iat": now,
        "exp": now + int(ttl_s),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_identity(
    token: str,
    secret: str,
    sender: str | None = None,
    message_id: str | None = None,
    guard: ReplayGuard | None = REPLAY_GUARD,
) -> Identity | None:
    """Return the identity in ``token`` or ``None`` if it is missing, forged, expired, malformed,
    made for another conversation than ``sender``, or replayed with another message than
    ``message_id`` (the action server passes both; connectors' own checks may omit them)."""
    if not token or not secret or not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": _REQUIRED_CLAIMS})
    except jwt.PyJWTError:
        return None
    sub, chn, sid, jti = (claims.get(k) for k in ("sub", "chn", "sid", "jti"))
    if not all(isinstance(v, str) and v for v in (sub, chn, sid, jti)):
        return None
    if sender is not None and sid != sender:
        return None
    if message_id is not None and guard is not None and not guard.first_use(jti, message_id, claims["exp"]):
        return None
    return Identity(employee_id=sub, channel=chn, expires_at=int(claims["exp"]), sender=sid)
