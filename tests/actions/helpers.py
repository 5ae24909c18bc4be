"""Helpers shared by the action tests: the backend handle, identity assertions and trackers
as the action server receives them (the fixtures that start the backend are in conftest.py)."""

from __future__ import annotations

import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("hrbot") is None:  # editable install without the bot/hrbot mapping
    sys.path.insert(0, str(REPO / "bot"))

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from hrbot.identity import sign_identity  # noqa: E402

TOKEN = "actions-test-service-token"
IDENTITY_SECRET = "actions-test-identity-secret-0123456789abcdef"
BACKEND_TODAY = "2026-11-23"


@dataclass
class Backend:
    url: str

    def get(self, path: str, employee: str = "E1003", **params: Any) -> Any:
        """Look at the backend directly (as the HR admin by default) to check what happened."""
        headers = {"Authorization": f"Bearer {TOKEN}", "X-Acting-Employee": employee, "X-Channel": "web"}
        resp = httpx.get(self.url + path, params=params, headers=headers, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def post(self, path: str, employee: str) -> Any:
        """Act on the backend directly as `employee` (a test undoing what it created)."""
        headers = {"Authorization": f"Bearer {TOKEN}", "X-Acting-Employee": employee, "X-Channel": "web"}
        resp = httpx.post(self.url + path, json={}, headers=headers, timeout=10)
        resp.raise_for_status()
        return resp.json()


def assertion(employee_id: str, secret: str = IDENTITY_SECRET, sender: str = "web:test") -> str:
    return sign_identity(employee_id, "web", secret, sender=sender)


def make_tracker(
    *,
    employee: str | None = "E1001",
    token: str | None = None,
    lang: str = "en",
    intent: str = "inform",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "web:test",
) -> Tracker:
    """A tracker as the action server receives it; the identity assertion rides in the metadata."""
    hrbot: dict[str, Any] = {"lang": lang, "channel": "web"}
    if token is not None:
        hrbot["identity"] = token
    elif employee is not None:
        hrbot["identity"] = assertion(employee, sender=sender_id)
    latest = {
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "text": text,
        "metadata": {"hrbot": hrbot},
        "message_id": f"m-{time.monotonic_ns()}",
    }
    all_slots = {"language": lang, **(slots or {})}
    return Tracker(
        sender_id,
        all_slots,
        latest,
        events or [],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages]
