"""The few user-facing strings connectors produce themselves (everything else comes from Rasa)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

_STRINGS: dict[str, dict[str, str]] = {
    "rasa_unavailable": {
        "en": "Sorry, the HR assistant is temporarily unavailable. Please try again in a few minutes.",
        "zh": "抱歉，HR 助手暂时无法使用，请稍后再试。",
    },
    "account_inactive": {
        "en": "Your account is no longer active, so the HR assistant cannot serve you. Please contact HR.",
        "zh": "您的账号已停用，HR 助手无法继续为您服务。如有疑问请联系 HR。",
    },
    "rate_limited": {
        "en": "Too many requests. Please wait {seconds} seconds and try again.",
        "zh": "请求过于频繁，请 {seconds} 秒后再试。",
    },
    "empty_reply": {
        "en": "Sorry, I have no answer for that. Try rephrasing, or type 'help'.",
        "zh": "抱歉，我暂时无法回答这个问题。请换个说法，或输入“帮助”。",
    },
}


def normalise_lang(value: str | None) -> Lang | None:
    """Map a browser/Telegram language code (``zh-CN``, ``en_US``...) to ``en``/``zh``."""
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def t(key: str, lang: str | None) -> str:
    """Translate ``key`` into ``lang`` (English when unknown)."""
    return _STRINGS[key]["zh" if lang == "zh" else "en"]
