"""What the user picks from the choices the bot just offered as buttons.

People rarely press the button. After a list they type "the second one", "第二个", "that one", or
just "yes" / "好" when there was only one choice. The choices are the buttons of the bot's last
turn (their payloads carry the record's id), so the pick is read against those, not guessed from
the wording alone. Nothing here decides what may be done with the record (the backend does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rasa_sdk import Tracker

from actions.common import as_int

_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.S)
_EN_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "eighth": 8,
    "8th": 8,
    "last": -1,
}
_ZH_DIGITS = {c: i for i, c in enumerate("一二三四五六七八", start=1)}
_ORDINAL = re.compile(
    rf"\b({'|'.join(_EN_ORDINALS)})\b(?![\s-]*time)"
    r"|\b(?:number|no\.|option|choice)\s*([1-8])\b"
    r"|第\s*([一二三四五六七八1-8])(?![\d十])"
    r"|(最后)(?:一|那|这)",
    re.I,
)
# "that one", "this course", "it", "那个", "这门": points at the one thing on offer
_DEICTIC = re.compile(r"\b(?:that|this|it|same)\b|那个|这个|那门|这门|那期|这期|那一|这一|就它|它", re.I)


@dataclass(frozen=True)
class Offer:
    """One button of the last turn: the intent it sends, and the record ids it carries."""

    intent: str
    title: str
    ids: dict[str, int]

    def id(self, entity: str) -> int | None:
        return self.ids.get(entity)


def parse_offer(button: dict) -> Offer | None:
    """The offer a button's payload makes (None for a button that is no intent with ids)."""
    m = _PAYLOAD.match(str(button.get("payload") or ""))
    if not m:
        return None
    try:
        values = json.loads(m.group(2)) if m.group(2) else {}
    except ValueError:
        return None
    ids = {k: n for k, v in values.items() if (n := as_int(v)) is not None}
    return Offer(m.group(1), str(button.get("title") or ""), ids)


def last_offers(tracker: Tracker) -> list[Offer]:
    """The buttons of the bot's last turn (its messages between the previous and the latest user
    message); none when that turn offered no buttons."""
    seen_user = False
    for event in reversed(list(tracker.events or [])):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
        elif kind == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            if offers := [o for b in buttons if (o := parse_offer(b)) is not None]:
                return offers
    return []


def previous_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one (what the last choices answered)."""
    seen_user = False
    for event in reversed(list(tracker.events or [])):
        if event.get("event") != "user":
            continue
        if seen_user:
            return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        seen_user = True
    return None


def bare_pick(text: str) -> bool:
    """A short message that only picks ("the second one", "第二个", "that one"), unlike a question
    about a choice ("what is the second one about?")."""
    latin = re.findall(r"[a-z]+", text or "", re.I)
    cjk = re.findall(r"[\u3400-\u9fff]", text or "")
    picks = ordinal(text) is not None or points_at_one(text)
    return picks and len(latin) <= 4 and len(cjk) <= 5 and "?" not in text and "？" not in text


def ordinal(text: str) -> int | None:
    """The position a message picks ("the second one", "第二个", "the last one"), 1-based or -1."""
    m = _ORDINAL.search(text or "")
    if not m:
        return None
    word, number, zh, last = m.groups()
    if word:
        return _EN_ORDINALS[word.lower()]
    if number:
        return int(number)
    if zh:
        return _ZH_DIGITS.get(zh) or int(zh)
    return -1 if last else None


def points_at_one(text: str) -> bool:
    """Whether the message only points ("that one", "这个") rather than naming something."""
    return bool(_DEICTIC.search(text or ""))


def pick(offers: Sequence[Offer], text: str, *, affirmed: bool = False) -> Offer | None:
    """The offer a message picks by position, or the only one offered when the message says yes
    or points at it."""
    if not offers:
        return None
    n = ordinal(text)
    if n is not None:
        index = n - 1 if n > 0 else len(offers) - 1
        return offers[index] if 0 <= index < len(offers) else None
    if len(offers) == 1 and (affirmed or points_at_one(text)):
        return offers[0]
    return None
