"""The one exception type of the service layer; the API turns it into the JSON error body."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A refused request: ``code`` is machine-readable so the bot can explain it in any language."""

    def __init__(self, code: str, message: str, http_status: int = 400, /, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = http_status
        self.details = details


def not_found(entity: str, ident: object) -> AppError:
    return AppError("not_found", f"{entity} {ident} not found", 404, entity=entity, id=str(ident))


def forbidden(message: str = "not allowed", **details: Any) -> AppError:
    return AppError("forbidden", message, 403, **details)
