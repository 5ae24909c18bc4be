"""Request/response models of the gateway's public JSON API (shown in the OpenAPI document)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_MESSAGE_CHARS = 2000
#: a character a person can see: not whitespace, not a control character (the schema's pattern and
#: the validator share it, so the documented rule and the enforced one are the same)
VISIBLE_CHAR = r"[^\s\x00-\x1f\x7f-\x9f]"


class ChatRequest(BaseModel):
    """One user message. ``session_id`` keeps an anonymous conversation stable across page loads."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"message": "How many days of annual leave do I have?", "lang": "en"}]
        }
    )

    message: str = Field(
        description=f"1..{MAX_MESSAGE_CHARS} characters after trimming whitespace",
        # Documented constraints; the validator below enforces them after stripping, with clear messages.
        json_schema_extra={"minLength": 1, "maxLength": MAX_MESSAGE_CHARS, "pattern": VISIBLE_CHAR},
    )
    lang: Literal["en", "zh"] | None = Field(default=None, description="UI language of the user")
    session_id: UUID | None = Field(
        default=None, description="anonymous conversation id (uuid) kept by the widget"
    )

    @field_validator("message")
    @classmethod
    def _check_message(cls, value: str) -> str:
        value = value.strip()
        if not re.search(VISIBLE_CHAR, value):
            raise ValueError("message must not be empty")
        if len(value) > MAX_MESSAGE_CHARS:
            raise ValueError(
                f"message is too long ({len(value)} characters; the limit is {MAX_MESSAGE_CHARS})"
            )
        return value


class ButtonOut(BaseModel):
    title: str
    payload: str


class CitationOut(BaseModel):
    title: str = ""
    section: str = ""
    source: str = ""
    url: str | None = None


# Aliases because the field named ``list`` shadows the builtin inside the class body.
ButtonList = list[ButtonOut]
CitationList = list[CitationOut]
AnyList = list[Any]


class MessageOut(BaseModel):
    text: str = ""
    masked_text: str | None = Field(
        default=None,
        description="present when `text` shows a sensitive value: show `text`, but keep only this",
    )
    buttons: ButtonList | None = None
    citations: CitationList | None = None
    list: AnyList | None = None


class ChatResponse(BaseModel):
    messages: list[MessageOut]
    session_id: UUID | None = Field(default=None, description="the anonymous conversation id used (keep it)")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class DevTokenRequest(BaseModel):
    employee_id: str | None = Field(
        default=None,
        description="demo user; empty or null = anonymous",
        pattern=r"^$|^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$",
    )


class DevTokenResponse(BaseModel):
    token: str | None
    employee_id: str | None
    expires_in: int | None = None


class LinkCodeResponse(BaseModel):
    code: str
    expires_at: datetime
    expires_in: int
    bot_username: str | None = None


class HealthResponse(BaseModel):
    status: Literal["ok"]
