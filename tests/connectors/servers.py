"""Helpers that run real HTTP servers (uvicorn in a background thread) for connector tests.

``RecordingRasa`` is a STAND-IN for the Rasa server process, not Rasa itself: it implements only
``POST /webhooks/rest/webhook``, records exactly what a connector sent (sender, message, metadata)
and answers with scripted replies. It exists so these tests can inspect the connector's side of the
contract; end-to-end tests through the real Rasa stack live with the lead engineer's stack tests.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """Run an ASGI app under uvicorn on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


Responder = Callable[[dict[str, Any]], list[dict[str, Any]]]


def echo_responder(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]


class RecordingRasa:
    """Stand-in for the Rasa REST channel (see module docstring): records requests, scripted replies."""

    def __init__(self, responder: Responder = echo_responder):
        self.requests: list[dict[str, Any]] = []
        self.responder = responder
        self.fail_with: int | None = None
        self.delays: dict[str, float] = {}  # message text -> seconds to wait before answering
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/webhooks/rest/webhook", self._webhook, methods=["POST"])])
        self.server = ServerThread(self.app)
        self.url = self.server.url

    async def _webhook(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        if self.fail_with:
            return JSONResponse({"error": "stand-in failure"}, status_code=self.fail_with)
        delay = self.delays.get(body.get("message", ""), 0.0)
        if delay:
            await asyncio.sleep(delay)
        return JSONResponse(self.responder(body))

    def last(self) -> dict[str, Any]:
        with self._lock:
            return self.requests[-1]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> RecordingRasa:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
