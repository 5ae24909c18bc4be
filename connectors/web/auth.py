"""FastAPI dependencies for web identity and the HR-admin role.

A request without ``Authorization`` is anonymous; a request *with* one must carry a valid token or
it is refused with 401 (never downgraded to anonymous, so a stale/forged token cannot silently
change whose conversation it is).
"""

from __future__ import annotations

import structlog
from fastapi import HTTPException, Request

from connectors.i18n import t
from connectors.limits import RateLimit
from connectors.settings import ConnectorSettings
from connectors.web.tokens import TokenError, verify_web_token

log = structlog.get_logger(__name__)


class ApiError(HTTPException):
    """An HTTP error rendered as ``{"error": {"code", "message"}}``."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.message = message


def settings_of(request: Request) -> ConnectorSettings:
    return request.app.state.settings


def optional_user(request: Request) -> str | None:
    """Employee id of a signed-in user, ``None`` for anonymous; 401 for any bad token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401,
            "invalid_token",
            "Authorization header must be 'Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )
    try:
        employee_id = verify_web_token(token, settings_of(request))
    except TokenError as exc:
        log.info("web_token_rejected", reason=str(exc), path=request.url.path)
        raise ApiError(
            401, "invalid_token", str(exc), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc
    return employee_id


def required_user(request: Request) -> str:
    """Employee id of a signed-in user; 401 for anonymous requests."""
    employee_id = optional_user(request)
    if employee_id is None:
        raise ApiError(
            401,
            "not_signed_in",
            "sign in first (Authorization: Bearer <token>)",
            {"WWW-Authenticate": "Bearer"},
        )
    return employee_id


def make_limits(settings: ConnectorSettings) -> dict[str, RateLimit]:
    """The gateway's abuse limits (see connectors.limits and the README's Security section)."""
    return {
        "chat": RateLimit(settings.hrbot_chat_per_minute, 60),
        "link_code": RateLimit(settings.hrbot_link_codes_per_hour, 3600),
        "upload": RateLimit(settings.hrbot_uploads_per_hour, 3600),
        "ip": RateLimit(settings.hrbot_requests_per_minute_per_ip, 60),
    }


def rate_limit(request: Request, bucket: str, who: str | None, lang: str | None = None) -> None:
    """Count one ``bucket`` request of ``who`` (the client address when unknown) and of the client
    address; 429 with Retry-After when either is over its limit (nothing else happens for it)."""
    limits: dict[str, RateLimit] = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    wait = limits["ip"].hit(address) or limits[bucket].hit(who or f"address:{address}")
    if wait:
        log.info("rate_limited", bucket=bucket, who=who, address=address, retry_after=wait)
        raise ApiError(
            429, "rate_limited", t("rate_limited", lang).format(seconds=wait), {"Retry-After": str(wait)}
        )
