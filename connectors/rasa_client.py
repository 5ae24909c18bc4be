"""Async client for Rasa's REST channel; normalises replies into the connectors' message shape.

Connectors send every user message with ``metadata.hrbot`` = {identity, lang, channel}
(docs/CONTRACTS.md). Rasa answers with a list of items that carry ``text``, ``buttons`` and/or a
``custom`` json; custom actions put ``{"citations": [...]}`` and ``{"list": [...]}`` in ``custom``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any, TypedDict

import httpx
import structlog

from personnel.sensitive import mask_text, pairs_of

log = structlog.get_logger(__name__)


class Button(TypedDict):
    title: str
    payload: str


class BotMessage(TypedDict, total=False):
    text: str
    # The text as clients may keep it when ``text`` shows a sensitive value (personnel.sensitive).
    masked_text: str
    buttons: list[Button]
    citations: list[dict[str, str]]
    list: list[Any]


class RasaUnavailable(Exception):
    """Rasa could not be reached or answered with an error; callers apologise in the user's language."""


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _citations(raw: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if not isinstance(raw, list):
        return out
    for item in raw:
        if isinstance(item, str):
            item = {"source": item}
        if not isinstance(item, dict):
            continue
        cit = {
            "title": _str(item.get("title") or item.get("source") or ""),
            "section": _str(item.get("section") or ""),
            "source": _str(item.get("source") or ""),
        }
        if item.get("url"):
            cit["url"] = _str(item["url"])
        out.append(cit)
    return out


def normalise_reply(items: Any) -> list[BotMessage]:
    """Turn Rasa's REST reply list into ``[{text, buttons?, citations?, list?}]`` (robust to junk)."""
    messages: list[BotMessage] = []
    if not isinstance(items, list):
        return messages
    for item in items:
        if not isinstance(item, dict):
            continue
        msg: BotMessage = {"text": _str(item.get("text"))}
        buttons = [
            {
                "title": _str(b.get("title") or b.get("payload")),
                "payload": _str(b.get("payload") or b.get("title")),
            }
            for b in item.get("buttons") or []
            if isinstance(b, dict) and (b.get("payload") or b.get("title"))
        ]
        custom = item.get("custom")
        pairs = pairs_of(custom)
        if pairs:  # the text shows a sensitive value: say how to keep it (this item's or the last one's)
            target = msg if msg["text"] else (messages[-1] if messages else None)
            if target is not None and target.get("text"):
                target["masked_text"] = mask_text(target.get("masked_text") or target["text"], pairs)
        if isinstance(custom, dict):
            if not msg["text"] and isinstance(custom.get("text"), str):
                msg["text"] = custom["text"]
            cits = _citations(custom.get("citations"))
            if cits:
                msg["citations"] = cits
            if isinstance(custom.get("list"), list) and custom["list"]:
                msg["list"] = custom["list"]
            buttons += [
                {"title": _str(b.get("title")), "payload": _str(b.get("payload"))}
                for b in custom.get("buttons") or []
                if isinstance(b, dict) and b.get("payload")
            ]
        if buttons:
            msg["buttons"] = buttons
        if not msg["text"] and not buttons and messages and _attachable(messages[-1], msg):
            # Rasa sends utter_message(text=..., json_message=...) as two items (text, then custom):
            # the citations/list belong to the text just before them.
            prev = messages[-1]
            for key in ("citations", "list"):
                if key in msg:
                    prev[key] = [*prev.get(key, []), *msg[key]]  # type: ignore[literal-required]
            continue
        if msg["text"] or len(msg) > 1:
            messages.append(msg)
    return messages


def _attachable(prev: BotMessage, extra: BotMessage) -> bool:
    """A custom-only item joins the previous message unless that already has the same kind of data."""
    return bool(prev.get("text")) and not any(key in prev for key in ("citations", "list") if key in extra)


class RasaClient:
    """Thin async wrapper around ``POST {rasa_url}/webhooks/rest/webhook``.

    ``base_url`` may list several Rasa servers (a sequence, or one comma-separated string) that
    share one tracker store and one lock store (docs/SCALE_OUT.md). Messages then go to them in
    turn (round robin per message, so one busy conversation cannot pin a server), and a server that
    refuses the *connection* is skipped for the next one: the message was not delivered, so it
    cannot be handled twice. Any other failure is not retried elsewhere.
    """

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout_s: float = 30.0,
        client: httpx.AsyncClient | None = None,
    ):
        bases = base_url.split(",") if isinstance(base_url, str) else list(base_url)
        self.urls = [b.strip().rstrip("/") + "/webhooks/rest/webhook" for b in bases if b.strip()]
        if not self.urls:
            raise ValueError("no Rasa URL given")
        self.url = self.urls[0]
        self._turn = itertools.count()
        self._timeout = httpx.Timeout(timeout_s, connect=5.0)
        self._client = client
        self._owns_client = client is None

    async def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # retries= only repeats failed *connections* (the message was not delivered), never a
            # request Rasa may have processed, so a message cannot be handled twice. With several
            # servers a refused connection moves on to the next server instead of waiting.
            retries = 2 if len(self.urls) == 1 else 0
            self._client = httpx.AsyncClient(
                timeout=self._timeout, transport=httpx.AsyncHTTPTransport(retries=retries)
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _order(self) -> list[str]:
        """The servers to try for the next message: the next one in turn, then the others."""
        start = next(self._turn) % len(self.urls)
        return self.urls[start:] + self.urls[:start]

    async def _post(self, body: dict[str, Any], sender: str, channel: str) -> Any:
        http = await self._http()
        *others, last = self._order()
        for url in others:
            try:
                return await self._post_to(http, url, body)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                log.warning("rasa_instance_unreachable", url=url, sender=sender, channel=channel)
        return await self._post_to(http, last, body)

    async def _post_to(self, http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> Any:
        resp = await http.post(url, json=body, timeout=self._timeout)
        resp.raise_for_status()
        return resp.json()

    async def send(
        self,
        sender: str,
        message: str,
        *,
        identity: str | None,
        lang: str | None,
        channel: str,
    ) -> list[BotMessage]:
        """Send one user message and return the bot's normalised replies.

        Raises RasaUnavailable on connection errors (of every server), timeouts, non-2xx answers or
        non-JSON bodies.
        """
        body = {
            "sender": sender,
            "message": message,
            "metadata": {"hrbot": {"identity": identity, "lang": lang, "channel": channel}},
        }
        started = time.perf_counter()
        try:
            data = await self._post(body, sender, channel)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("rasa_unavailable", sender=sender, channel=channel, error=repr(exc))
            raise RasaUnavailable(str(exc)) from exc
        messages = normalise_reply(data)
        log.info(
            "rasa_reply",
            sender=sender,
            channel=channel,
            signed_in=identity is not None,
            replies=len(messages),
            ms=round((time.perf_counter() - started) * 1000),
        )
        return messages
