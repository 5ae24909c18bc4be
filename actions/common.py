"""What every action needs: who is asking (verified), in which language, and the backend client.

Identity comes only from the identity assertion that a connector signed after verifying the user
(see docs/CONTRACTS.md). Slots and message text are never used for identity.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dates import format_date
from actions.settings import get_settings
from hrbot.identity import Identity, verify_identity
from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

LANGUAGES = ("en", "zh")
BackendErrors = (PersonnelError, PersonnelUnavailable)


def hrbot_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("hrbot") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def language(tracker: Tracker) -> str:
    """The reply language: the slot set by the NLU language detector, else the channel's choice."""
    lang = tracker.get_slot("language") or hrbot_metadata(tracker).get("lang")
    return lang if lang in LANGUAGES else "en"


def identity(tracker: Tracker) -> Identity | None:
    """The verified employee behind the latest message, or None (anonymous, forged, expired, made for
    another conversation, or replayed with another message)."""
    token = hrbot_metadata(tracker).get("identity")
    if not token:
        return None
    message_id = (tracker.latest_message or {}).get("message_id")
    return verify_identity(
        token,
        get_settings().hrbot_identity_secret,
        sender=tracker.sender_id,
        message_id=str(message_id) if message_id else None,
    )


def personnel_client(who: Identity | None) -> PersonnelClient:
    """A backend client acting as ``who`` (None: anonymous, e.g. a hand-off without sign-in)."""
    settings = get_settings()
    return PersonnelClient(
        settings.personnel_url,
        settings.personnel_service_token,
        acting_employee=who.employee_id if who else None,
        channel=who.channel if who else "web",
    )


def require_identity(dispatcher: CollectingDispatcher, tracker: Tracker) -> Identity | None:
    """The verified identity, or None after telling the user how to sign in."""
    who = identity(tracker)
    if who is None:
        dispatcher.utter_message(response="utter_sign_in_required")
    return who


def today(tz_name: str | None = None) -> datetime:
    """Now in the users' time zone: relative dates are relative to the user's day, not the server's."""
    settings = get_settings()
    now = datetime.now(ZoneInfo(tz_name or settings.hrbot_timezone))
    if settings.hrbot_today:  # pinned day (HRBOT_TODAY), real time of day
        now = now.replace(
            year=settings.hrbot_today.year, month=settings.hrbot_today.month, day=settings.hrbot_today.day
        )
    return now


def explain_error(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], exc: Exception, lang: str = "en"
) -> None:
    """Tell the user, in their language, why the backend refused or could not be reached.

    Each backend error code has a response ``utter_error_<code>`` in the domain (both languages);
    codes without one get the generic refusal with the backend's own message.
    """
    if isinstance(exc, PersonnelUnavailable):
        dispatcher.utter_message(response="utter_backend_unavailable")
    elif isinstance(exc, PersonnelError):
        name = f"utter_error_{exc.code}"
        if name in (domain.get("responses") or {}):
            dispatcher.utter_message(response=name, **_flat(exc.details, lang))
        else:
            dispatcher.utter_message(response="utter_error_generic", message=exc.message)
    else:
        raise exc


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _flat(details: dict[str, Any], lang: str) -> dict[str, Any]:
    """Template variables for error responses: 14.0 days as 14, dates as the user reads them ("Thu
    31 Dec 2026", "2026年12月31日（周四）"), a record the backend names (a course: code and both
    titles) as "title (code)" in the user's language, and a list of them as one phrase."""
    flat: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, list):
            items = [str(text) for item in value if (text := _detail_text(item, lang)) is not None]
            flat[key] = ("、" if lang == "zh" else ", ").join(items)
        elif (text := _detail_text(value, lang)) is not None:
            flat[key] = text
    return flat


def response_text(domain: dict[str, Any], name: str, lang: str) -> str:
    """The text of a domain response in the user's language, for a line inside a larger reply
    (the texts stay in the domain, one place for both languages)."""
    variants = (domain.get("responses") or {}).get(name) or []
    for variant in variants:
        conditions = variant.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            return str(variant.get("text", ""))
    default = next((v for v in variants if not v.get("condition")), None)
    return str(default.get("text", "")) if default else ""


def _detail_text(value: Any, lang: str) -> str | int | None:
    """One detail value as the user reads it; None for what a sentence cannot show."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(value, lang)
    if isinstance(value, str | int):
        return value
    if isinstance(value, dict):
        zh = value.get("title_zh") or value.get("name_zh")
        en = value.get("title_en") or value.get("name_en")
        title = (zh or en) if lang == "zh" else (en or zh)
        code = value.get("code")
        if title and code:
            return f"{title}（{code}）" if lang == "zh" else f"{title} ({code})"
        return title or code or None
    return None


def name_of(obj: Any, field: str, lang: str) -> str:
    """The Chinese or English variant of a bilingual backend field (``name`` -> name_zh/name_en)."""
    zh, en = getattr(obj, f"{field}_zh", None), getattr(obj, f"{field}_en", None)
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def num(value: float | int | None) -> str:
    """Days and hours without a useless ".0" (2.5 stays 2.5)."""
    return "-" if value is None else f"{float(value):g}"


def latest_intent(tracker: Tracker) -> str | None:
    """The user's intent, looking past nlu_fallback (a free-text date may be low-confidence)."""
    return tracker.get_intent_of_latest_message() or (tracker.latest_message.get("intent") or {}).get("name")


def typed_text(tracker: Tracker) -> str:
    """What the user typed in the latest message; empty for a button payload ("/intent{...}")."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def as_int(value: Any) -> int | None:
    try:
        return int(str(value).strip().lstrip("#"))
    except (TypeError, ValueError):
        return None


def picked_id(tracker: Tracker, entity: str) -> int | None:
    """The record a button picked: buttons carry their record's id as an entity of the payload.

    Typed text is read by ``actions.references`` instead, so that a date ("the 22nd") is never
    taken for a record number."""
    text = (tracker.latest_message or {}).get("text") or ""
    if not text.startswith("/"):
        return None
    return as_int(next(tracker.get_latest_entity_values(entity), None))


class BackendAction(Action, ABC):
    """An action for the signed-in employee: identity check, client, and error explanation.

    Subclasses implement ``act``; on a backend refusal or outage the user gets the explanation and
    ``on_error`` events (by default: nothing half-done is kept).
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        who = require_identity(dispatcher, tracker)
        if who is None:
            return self.on_error(tracker)
        try:
            async with personnel_client(who) as pc:
                return await self.act(pc, who, dispatcher, tracker, domain, language(tracker))
        except BackendErrors as exc:
            explain_error(dispatcher, domain, exc, language(tracker))
            return self.on_error(tracker)

    @abstractmethod
    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        """Do the work with a client acting as the signed-in employee."""

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return []
