"""Telegram: a message from the bot to every Telegram account linked to the employee with a
one-time code (connectors/linking.py); an unlinked chat never gets anything. Calls the Bot API's
``sendMessage`` over HTTP (TELEGRAM_BASE_URL points it at a local fake in tests), retrying
connection errors and 5xx answers with exponential backoff (tenacity)."""

from __future__ import annotations

import httpx
import structlog
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from connectors.linking import LinkStore
from connectors.notify.channels.base import ChannelError, Outgoing
from connectors.telegram.format import KEY_PREFIX, needs_key

log = structlog.get_logger(__name__)
API = "https://api.telegram.org/bot"
MAX_TEXT = 4096


class _Transient(Exception):
    pass


class TelegramChannel:
    name = "telegram"
    push = True

    def __init__(self, token: str, links: LinkStore, base_url: str | None = None, timeout_s: float = 10.0):
        self.url = f"{(base_url or API)}{token}/sendMessage"
        self.links = links
        self.client = httpx.Client(timeout=timeout_s)

    def targets(self, employee_id: str) -> list[str]:
        return [str(uid) for uid in self.links.telegram_users_for(employee_id)]

    def _post(self, payload: dict[str, object]) -> httpx.Response:
        try:
            response = self.client.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise _Transient(f"telegram unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise _Transient(f"telegram answered {response.status_code}")
        return response

    def send(self, target: str, notice: Outgoing) -> None:
        payload: dict[str, object] = {"chat_id": int(target), "text": notice.rendered.text[:MAX_TEXT]}
        if notice.rendered.buttons:
            # pressed, they reach Rasa through the bot exactly like the chat's own buttons
            payload["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": title, "callback_data": self._callback_data(data)}]
                    for title, data in notice.rendered.buttons
                ]
            }
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(_Transient),
                stop=stop_after_attempt(3),
                wait=wait_exponential(multiplier=0.2, max=2.0),
                reraise=True,
            ):
                with attempt:
                    response = self._post(payload)
        except _Transient as exc:
            raise ChannelError(str(exc)) from exc
        if response.status_code == 200:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        description = str(body.get("description") or response.text[:200])
        if response.status_code == 429:
            retry_after = float((body.get("parameters") or {}).get("retry_after") or 5)
            raise ChannelError(f"telegram rate limit: {description}", retry_after=retry_after)
        # 400 chat not found, 403 bot blocked by the user: retrying sends nothing
        raise ChannelError(f"telegram {response.status_code}: {description}", permanent=True)

    def _callback_data(self, payload: str) -> str:
        return KEY_PREFIX + self.links.put_payload(payload) if needs_key(payload) else payload

    def close(self) -> None:
        self.client.close()
