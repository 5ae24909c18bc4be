"""The scale-out layout of docs/SCALE_OUT.md (Procfile.scaleout) on free ports, for the test and the bench.

Two Rasa servers behind the gateway (RASA_URLS), sharing a PostgreSQL tracker store and a Redis
lock store; one action server with several Sanic workers; Chroma's own server (client/server
mode); the personnel backend on PostgreSQL. Each run gets fresh PostgreSQL databases (dropped on
stop) and its own temp dir, so runs never see each other's data. Every process is the same
`hrbot serve NAME` command the Procfile uses.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from hrbot import paths
from hrbot.serve import wait_until_ready
from tests.stack import Stack, free_port

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it answers (trust auth as user postgres)."""
    try:
        import psycopg

        with psycopg.connect(
            f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", connect_timeout=2
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means "not usable"; say which
        return f"PostgreSQL is not usable at {PG_HOST}:{PG_PORT} as user postgres ({type(exc).__name__})"
    return None


def redis_problem() -> str | None:
    """Why Redis cannot be used here, or None when it answers PING."""
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return f"Redis at {REDIS_HOST}:{REDIS_PORT} did not answer PING"
    except OSError as exc:
        return f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({exc.__class__.__name__})"
    return None


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(sql)


@dataclass
class ScaleoutStack(Stack):
    """`Stack` with the scale-out layout; `rasa_urls` are the Rasa servers, in the gateway's order."""

    rasa_instances: int = 2
    action_workers: int = 2
    redis_db: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        tag = secrets.token_hex(4)
        self.databases = {"personnel": f"hrbot_so_{tag}_personnel", "tracker": f"hrbot_so_{tag}_tracker"}
        self.rasa_ports = [self.ports["rasa"], *(free_port() for _ in range(self.rasa_instances - 1))]
        self.ports["chroma"] = free_port()
        pg = f"postgres@{PG_HOST}:{PG_PORT}"
        self.env.update(
            {
                "PERSONNEL_DATABASE_URL": f"postgresql+psycopg://{pg}/{self.databases['personnel']}",
                "RASA_TRACKER_STORE_URL": f"postgresql://{pg}/{self.databases['tracker']}",
                "RASA_LOCK_STORE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
                "KNOWLEDGE_CHROMA_URL": f"http://127.0.0.1:{self.ports['chroma']}",
                # rasa-sdk's own setting: Sanic forks this many workers that share the port.
                "ACTION_SERVER_SANIC_WORKERS": str(self.action_workers),
                "RASA_URLS": ",".join(self.rasa_urls),
                **self.extra_env,
            }
        )
        self._created: list[str] = []

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def rasa_name(self, index: int) -> str:
        return f"rasa-{'abcdefgh'[index]}"

    def _launch(self, name: str, service: str, **env: str) -> None:
        hrbot = str(Path(sys.executable).parent / "hrbot")
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [hrbot, "serve", service],
            cwd=paths.ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, timeout_s: float = 240.0) -> ScaleoutStack:
        for name in self.databases.values():
            _pg_admin(f'CREATE DATABASE "{name}"')
            self._created.append(name)
        # Chroma first: ingestion and the action server's first question need it.
        self._launch("chroma", "chroma")
        urls = {"chroma": f"{self.env['KNOWLEDGE_CHROMA_URL']}/api/v2/heartbeat"}
        self._launch("personnel", "personnel")
        urls["personnel"] = f"{self.personnel_url}/openapi.json"
        self._launch("actions", "actions")
        urls["actions"] = f"{self.env['ACTIONS_URL']}/health"
        for i, url in enumerate(self.rasa_urls):
            self._launch(self.rasa_name(i), "rasa", RASA_URL=url)
            urls[self.rasa_name(i)] = f"{url}/"
        self._launch("gateway", "gateway")
        urls["gateway"] = f"{self.gateway_url}/healthz"
        pending = wait_until_ready(urls, timeout_s=timeout_s)
        dead = [n for n, p in self.processes.items() if p.poll() is not None]
        if pending or dead:
            logs = self.logs()
            self.stop()
            raise RuntimeError(f"scale-out stack not ready: pending={pending} exited={dead}\n{logs}")
        return self

    def stop(self) -> None:
        super().stop()
        while self._created:
            name = self._created.pop()
            try:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # cleanup must not hide the test's own outcome
                print(f"could not drop database {name}: {exc}", file=sys.stderr)

    def ingest(self, folder: Path) -> None:
        """Ingest documents into the Chroma server with the real CLI, as an HR curator would."""
        hrbot = str(Path(sys.executable).parent / "hrbot")
        subprocess.run(
            [hrbot, "knowledge", "ingest", str(folder)],
            env=self.env,
            cwd=paths.ROOT,
            check=True,
            capture_output=True,
        )

    def say_via(self, instance: int, sender: str, text: str, employee: str | None = None) -> list[dict]:
        """One message to one given Rasa server, exactly as `Stack.say` sends it to the only one."""
        metadata = {
            "hrbot": {"identity": self.identity(employee, sender) if employee else None, "channel": "web"}
        }
        response = httpx.post(
            f"{self.rasa_urls[instance]}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()
