"""Start the real assistant (backend, action server, Rasa server, gateway) for end-to-end tests.

Every process is started with the same `hrbot serve NAME` command the Procfile uses, on free ports,
with its state in a temporary directory, so tests exercise exactly what users run.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hrbot import paths
from hrbot.identity import sign_identity
from hrbot.serve import wait_until_ready

TODAY = "2026-11-23"  # a Monday


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    workdir: Path
    services: tuple[str, ...] = ("personnel", "actions", "rasa", "gateway")
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ports = {name: free_port() for name in ("personnel", "actions", "rasa", "gateway")}
        self.ports = ports
        self.identity_secret = secrets.token_urlsafe(24)
        self.jwt_secret = secrets.token_urlsafe(24)
        self.env = {
            **os.environ,
            "HRBOT_DATA_DIR": str(self.workdir),
            "PERSONNEL_DATABASE_URL": f"sqlite:///{self.workdir / 'personnel.db'}",
            "PERSONNEL_URL": f"http://127.0.0.1:{ports['personnel']}",
            "PERSONNEL_SERVICE_TOKEN": secrets.token_urlsafe(24),
            "ACTIONS_URL": f"http://127.0.0.1:{ports['actions']}",
            "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(ports["gateway"]),
            "HRBOT_IDENTITY_SECRET": self.identity_secret,
            "HRBOT_JWT_SECRET": self.jwt_secret,
            "HRBOT_DEV_LOGIN": "true",
            # The demo configuration, chosen explicitly (production is the default).
            "HRBOT_ENV": "development",
            "KNOWLEDGE_CHROMA_PATH": str(self.workdir / "chroma"),
            # One "today" for the whole system: relative dates and holiday calendars stay known.
            "HRBOT_TODAY": TODAY,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            **self.extra_env,
        }

    @property
    def rasa_url(self) -> str:
        return self.env["RASA_URL"]

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def personnel_url(self) -> str:
        return self.env["PERSONNEL_URL"]

    def _spawn(self, name: str) -> None:
        hrbot = str(Path(sys.executable).parent / "hrbot")
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [hrbot, "serve", name],
            cwd=paths.ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _health_urls(self) -> dict[str, str]:
        return {
            "personnel": f"{self.personnel_url}/openapi.json",
            "actions": f"{self.env['ACTIONS_URL']}/health",
            "rasa": f"{self.rasa_url}/",
            "gateway": f"{self.gateway_url}/healthz",
        }

    def start(self, timeout_s: float = 240.0) -> Stack:
        for name in self.services:
            self._spawn(name)
        urls = self._health_urls()
        pending = wait_until_ready({n: urls[n] for n in self.services}, timeout_s=timeout_s)
        dead = [n for n, p in self.processes.items() if p.poll() is not None]
        if pending or dead:
            self.stop()
            raise RuntimeError(f"stack not ready: pending={pending} exited={dead}\n{self.logs()}")
        return self

    def restart(self, name: str, kill: bool = False, timeout_s: float = 240.0) -> None:
        """Stop one process (SIGKILL when ``kill``: no clean shutdown at all) and start it again."""
        proc = self.processes[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            proc.wait(timeout=30)
        self._spawn(name)
        if wait_until_ready({name: self._health_urls()[name]}, timeout_s=timeout_s):
            raise RuntimeError(f"{name} did not come back\n{self.logs()}")

    def logs(self, tail: int = 60) -> str:
        out = []
        for name in self.processes:
            path = self.workdir / f"{name}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail:]
                out.append(f"----- {name} -----\n" + "\n".join(lines))
        return "\n".join(out)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def backend_get(self, path: str, employee: str, channel: str = "web") -> Any:
        """Read the system of record directly, as ``employee`` (to check what a conversation did)."""
        headers = {
            "Authorization": f"Bearer {self.env['PERSONNEL_SERVICE_TOKEN']}",
            "X-Acting-Employee": employee,
            "X-Channel": channel,
        }
        response = httpx.get(self.personnel_url + path, headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def leave_requests(self, employee: str) -> dict[int, dict]:
        """The employee's leave requests in the system of record, by number."""
        return {a["id"]: a for a in self.backend_get("/leave/applications", employee)}

    def new_requests(self, employee: str, before: dict[int, dict]) -> list[tuple[str, str, str]]:
        """(type, from, to) of the employee's requests made since ``before`` (a `leave_requests`)."""
        return [
            (a["leave_type"], a["from_date"], a["to_date"])
            for k, a in self.leave_requests(employee).items()
            if k not in before
        ]

    # --- talking to Rasa as a connector would -------------------------------------------------
    def identity(self, employee_id: str, sender: str, channel: str = "web") -> str:
        """An assertion for one message of conversation ``sender``, as a connector makes it."""
        return sign_identity(employee_id, channel, self.identity_secret, sender=sender)

    def say(
        self,
        sender: str,
        text: str,
        employee: str | None = None,
        lang: str | None = None,
        identity: str | None = None,
    ) -> list[dict]:
        """Send one message to Rasa's REST channel exactly as the connectors do; return the replies."""
        assertion = (
            identity if identity is not None else (self.identity(employee, sender) if employee else None)
        )
        metadata = {"hrbot": {"identity": assertion, "lang": lang, "channel": "web"}}
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def chat(self, employee: str) -> Callable[[str], str]:
        """A new web conversation of ``employee``: ``say(text)`` sends one message and returns the
        text of the replies (a message with no reply fails the test)."""
        who = f"web:{employee}:{uuid.uuid4()}"

        def say(text: str) -> str:
            replies = self.say(who, text, employee=employee)
            assert replies, f"no reply to {text!r}"
            return texts(replies)

        return say


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))
