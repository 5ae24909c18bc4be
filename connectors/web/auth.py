"""FastAPI dependencies for web identity and the HR-admin role.

A request without ``Authorization`` is anonymous; a request *with* one must carry a valid token or
it is refused with 401 (never downgraded to anonymous, so a stale/forged token cannot silently
change whose conversation it is).
"""

from __future__ import annotations

import structlog
from fastapi import HTTPException, Request

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
