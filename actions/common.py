"""What every action needs: who is asking (verified), in which language, and the backend client.

Identity comes only from the identity assertion that a connector signed after verifying the user
(see docs/CONTRACTS.md). Slots and message text are never used for identity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import get_settings
from hrbot.identity import Identity, verify_identity
from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

LANGUAGES = ("en", "zh")


def hrbot_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get("hrbot") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def language(tracker: Tracker) -> str:
    """The reply language: the slot set by the NLU language detector, else the channel's choice."""
    lang = tracker.get_slot("language") or hrbot_metadata(tracker).get("lang")
    return lang if lang in LANGUAGES else "en"


def identity(tracker: Tracker) -> Identity | None:
    """The verified employee behind the latest message, or None (anonymous, forged or expired)."""
    token = hrbot_metadata(tracker).get("identity")
    return verify_identity(token, get_settings().hrbot_identity_secret) if token else None


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


def explain_error(dispatcher: CollectingDispatcher, domain: dict[str, Any], exc: Exception) -> None:
    """Tell the user, in their language, why the backend refused or could not be reached.

    Each backend error code has a response ``utter_error_<code>`` in the domain (both languages);
    codes without one get the generic refusal with the backend's own message.
    """
    if isinstance(exc, PersonnelUnavailable):
        dispatcher.utter_message(response="utter_backend_unavailable")
    elif isinstance(exc, PersonnelError):
        name = f"utter_error_{exc.code}"
        if name in (domain.get("responses") or {}):
            dispatcher.utter_message(response=name, **_flat(exc.details))
        else:
            dispatcher.utter_message(response="utter_error_generic", message=exc.message)
    else:
        raise exc


def _flat(details: dict[str, Any]) -> dict[str, Any]:
    """Template variables for error responses (only simple values; 14.0 days reads as 14)."""
    flat: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, float):
            flat[key] = f"{value:g}"
        elif isinstance(value, str | int):
            flat[key] = value
    return flat
