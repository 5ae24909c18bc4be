"""A FAKE Telegram Bot API server for tests: the real python-telegram-bot code talks to it over HTTP.

It implements the handful of methods the bot uses (getMe, getUpdates long-poll from a queue of
injected updates, sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
sendChatAction, deleteWebhook, setWebhook, setMyCommands, ...) and records every call, so tests can
drive the bot with real updates and assert on what it sent. Point PTB at it with
``Application.builder().base_url(f"{fake.url}/bot")`` (TELEGRAM_BASE_URL).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.connectors.servers import ServerThread

BOT_ID = 700000001
BOT_USERNAME = "hr_test_bot"
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "entities",
    "reply_parameters",
    "link_preview_options",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """In-process fake Bot API (see module docstring). Thread-safe: tests inject from their own loop."""

    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        # notifier tests: each sendMessage takes this long; queued statuses answer the next sends
        self.send_delay_s = 0.0
        self.fail_sends: list[int] = []
        self._message_ids = itertools.count(1000)
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self._dispatch, methods=["GET", "POST"])])
        self.server = ServerThread(self.app)
        self.url = self.server.url
        self.base_url = f"{self.url}/bot"

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakeTelegram:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    # ----------------------------------------------------------------- Bot API
    async def _params(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            raw = await request.json()
        else:
            raw = dict((await request.form()).items())
        params = dict(request.query_params) | dict(raw)
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    async def _dispatch(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        params = await self._params(request)
        if method == "sendMessage" and self.fail_sends:
            with self._lock:
                status = self.fail_sends.pop(0) if self.fail_sends else 0
            if status:
                body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"fake {status}"}
                if status == 429:
                    body["parameters"] = {"retry_after": 1}
                return JSONResponse(body, status)
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler is not None else None
        if method != "getUpdates":
            with self._lock:
                self.calls.append(Call(method, params, result))
        if handler is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, 404
            )
        return JSONResponse({"ok": True, "result": result})

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "HR Assistant", "username": BOT_USERNAME}

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _true(self, p: dict[str, Any]) -> bool:
        return True

    _m_deleteWebhook = _m_setWebhook = _m_setMyCommands = _m_sendChatAction = _true
    _m_answerCallbackQuery = _m_close = _m_logOut = _true

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.02)

    def _message(self, p: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        msg: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user(),
            "text": p.get("text", ""),
        }
        if isinstance(p.get("reply_markup"), dict) and "inline_keyboard" in p["reply_markup"]:
            # like the real Bot API: a message carries only an inline keyboard (not ForceReply)
            msg["reply_markup"] = p["reply_markup"]
        return msg

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        if len(p.get("text", "")) > 4096:  # the real API refuses these
            raise AssertionError("sendMessage text over 4096 characters")
        if self.send_delay_s:
            await asyncio.sleep(self.send_delay_s)
        return self._message(p)

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._message(p, int(p["message_id"]))

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._message(p | {"text": ""}, int(p["message_id"]))

    # ----------------------------------------------------------------- test side
    def push_update(self, update: dict[str, Any]) -> int:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return update["update_id"]

    @staticmethod
    def user(user_id: int, lang: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": lang}

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        lang: str = "en",
        chat: dict[str, Any] | None = None,
        kind: str = "message",
        **extra: Any,
    ) -> int:
        """Inject a message update (``kind`` = message or edited_message)."""
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": f"U{user_id}"},
            "from": self.user(user_id, lang),
            **extra,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                cmd = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        if kind == "edited_message":
            msg["edit_date"] = int(time.time())
        return self.push_update({kind: msg})

    def callback(self, user_id: int, data: str, message: dict[str, Any], lang: str = "en") -> int:
        return self.push_update(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": self.user(user_id, lang),
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
            ]

    def sent_texts(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.calls_of("sendMessage", chat_id)]

    async def wait_for(
        self, method: str, chat_id: int | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` (to ``chat_id``) were recorded."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_of(method, chat_id)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {count}x {method} to {chat_id}; got {self.calls}"
                )
            await asyncio.sleep(0.02)
