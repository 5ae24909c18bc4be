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
