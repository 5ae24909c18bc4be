"""Sensitive personal fields: the one list, and the masking applied on the way into every store.

Shared by the backend (which fills these fields only for the employee themself and HR admins), the
actions (which show one on explicit request) and the stores (Rasa's tracker store, HR case
transcripts, the widget's saved transcript, logs). Standard library only: the Rasa server's own
environment imports it too.

How a shown value stays out of the stores: a reply that reveals one carries, in its ``custom``
data, ``{"sensitive": [{"value": <as shown>, "masked": <as stored>}]}``. The live reply is shown as
is; each store replaces every occurrence of ``value`` with ``masked`` before writing
(:func:`mask_event` for an event as Rasa stores it, :func:`mask_text` for plain text).
"""

from __future__ import annotations

import re
from typing import Any

# Fields of an employee record that are personal data beyond the staff directory.
SENSITIVE_FIELDS: tuple[str, ...] = ("national_id", "home_address", "salary")
SENSITIVE_KEY = "sensitive"


def mask(field: str, value: Any) -> str:
    """A sensitive value with only enough left to recognise it (last 4 ID digits, nothing else)."""
    if value in (None, ""):
        return "—"
    text = str(value)
    if field == "national_id":
        return "*" * max(len(text) - 4, 4) + text[-4:]
    return "****"


def marker(shown: str, field: str, value: Any) -> dict[str, list[dict[str, str]]]:
    """The ``custom`` data of a reply that shows ``shown`` (the formatted ``value`` of ``field``)."""
    return {SENSITIVE_KEY: [{"value": shown, "masked": mask(field, value)}]}


def pairs_of(custom: Any) -> list[tuple[str, str]]:
    """(shown, masked) pairs a reply's ``custom`` data declares; robust to anything else there."""
    items = custom.get(SENSITIVE_KEY) if isinstance(custom, dict) else None
    pairs = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"]:
            pairs.append((item["value"], str(item.get("masked") or "****")))
    return pairs


def mask_text(text: str, pairs: list[tuple[str, str]]) -> str:
    for shown, masked in pairs:
        text = text.replace(shown, masked)
    return text


def _replace(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return mask_text(value, pairs)
    if isinstance(value, dict):
        return {k: _replace(v, pairs) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pairs) for v in value]
    return value


def event_pairs(event: dict[str, Any]) -> list[tuple[str, str]]:
    """The pairs a bot event (Rasa's ``as_dict`` form) declares in its data or metadata."""
    if event.get("event") != "bot":
        return []
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    return pairs_of(data.get("custom")) + pairs_of(metadata.get("custom"))


def mask_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event with every shown sensitive value replaced by its masked form, wherever it occurs
    (text, template variables in the metadata, the marker itself)."""
    pairs = event_pairs(event)
    return _replace(event, pairs) if pairs else event


# --- free text ----------------------------------------------------------------------------------
# What a person types (a question, a hand-off transcript, an answer to HR) can carry personal data
# that no field declares: e-mail addresses, national ids, phone numbers, amounts of pay, staff and
# card numbers. Each is replaced by a bracketed placeholder saying what was there, so the text still
# reads naturally. One list for every store of free text (HR case transcripts and answers, insights).
# Order matters: a national id is masked before the phone rule could take part of it.

_CURRENCY = r"(?:[$¥￥€£]|USD|CNY|RMB|HKD|EUR|GBP)"
_MONEY_WORDS = r"(?:元|块钱|块|万元|万|千元|dollars?|yuan|euros?|pounds?|bucks)"
_PAY = (
    r"(?:salary|pay|paid|wage|wages|income|earn|earns|earning|bonus|工资|薪水|薪资|月薪|年薪|收入|奖金|到手)"
)
_LINK = r"(?:is|of|was|are|about|around|:|：|是|为|有)"
_NUMBER = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

FREE_TEXT_RULES: list[tuple[str, re.Pattern[str]]] = [
    # labelled values: what follows "national id:" or "home address:" (the label stays readable)
    (
        "[masked]",
        re.compile(
            r"((?:national id|id number|身份证号?码?|home address|住址|家庭住址)[:：]\s*)[^\n]+",
            re.IGNORECASE,
        ),
    ),
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    # PRC resident identity card: 17 digits and a digit or X; also 15-digit old cards
    ("[national id]", re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")),
    # US social security number
    ("[national id]", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("[phone]", re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")),
    ("[phone]", re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,5}(?!\d)")),
    ("[amount]", re.compile(rf"{_CURRENCY}\s?(?:{_NUMBER})\s?[kKwW万]?", re.IGNORECASE)),
    ("[amount]", re.compile(rf"(?:{_NUMBER})\s?[kKwW]?\s?{_MONEY_WORDS}", re.IGNORECASE)),
    (
        "[amount]",
        re.compile(rf"({_PAY}\s*{_LINK}?\s*)(?:{_NUMBER})", re.IGNORECASE),
    ),
    # employee, case or request numbers: letters followed by digits (E1001, HR-2025-001)
    ("[id]", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,4}-?\d{3,}(?:-\d+)*(?![A-Za-z0-9])")),
    # any other long number (bank account, badge, passport)
    ("[number]", re.compile(r"(?<!\d)\d{6,}(?!\d)")),
]


def mask_free_text(text: str) -> str:
    """The text with personal data replaced by placeholders (``[email]``, ``[phone]`` …)."""
    out = text or ""
    for placeholder, pattern in FREE_TEXT_RULES:
        if pattern.groups:
            out = pattern.sub(lambda m, p=placeholder: m.group(1) + p, out)
        else:
            out = pattern.sub(placeholder, out)
    return out
