"""One function per process of the assistant; each replaces itself with the real server (exec).

Exec rather than subprocess: the process runner's signals (Ctrl-C) reach the server directly, so every
process stops cleanly and nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
from rich.console import Console

from hrbot import paths
from hrbot.environments import rasa_env_vars
from hrbot.rasa_endpoints import write_endpoints
from hrbot.settings import Settings, get_settings

console = Console()


def _exec(argv: list[str], env: dict[str, str] | None = None) -> None:
    os.chdir(paths.ROOT)
    sys.stdout.flush()
    os.execvpe(argv[0], argv, env or dict(os.environ))


def personnel(settings: Settings) -> None:
    _exec(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "personnel.app.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(settings.personnel_port),
            "--log-level",
            "warning",
        ]
    )


def actions(settings: Settings) -> None:
    from actions.settings import ActionSettings
    from hrbot.security import enforce

    # Refuse to start in production with a weak service token or identity secret (hrbot.security).
    enforce("action server", ActionSettings().security_values())
    # rasa-sdk listens on 0.0.0.0 unless told otherwise: listen where Rasa is told to call it
    # (127.0.0.1 by default), so the action server is not reachable from other machines.
    env = dict(os.environ)
    env.setdefault("SANIC_HOST", urlparse(settings.actions_url).hostname or "127.0.0.1")
    env.setdefault("HRBOT_WARM_KNOWLEDGE", "1")
    argv = [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.actions_port),
        # no tracing: without this rasa-sdk looks for ./endpoints.yml and logs an ERROR when it is absent
        "--endpoints",
        "",
        "--logging-config_file",
        str(Path(__file__).with_name("actions-logging.yml")),
    ]
    _exec(argv, env)


def rasa(settings: Settings) -> None:
    if not paths.MODEL.exists():
        sys.exit("No trained model: run `hrbot setup` (or `make run`) first.")
    # One endpoints file per instance: several Rasa servers may share the data dir (scale-out).
    endpoints = write_endpoints(settings, settings.hrbot_data_dir / f"endpoints-{settings.rasa_port}.yml")
    _exec(
        [
            str(paths.rasa_python()),
            "-m",
            # Rasa's command line with our CPU savings applied first (bot/rasa_runtime/server.py).
            "bot.rasa_runtime.server",
            "run",
            "--model",
            str(paths.MODEL),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(paths.CREDENTIALS),
            "--interface",
            "127.0.0.1",
            "--port",
            str(settings.rasa_port),
        ],
        env=rasa_env_vars(),
    )


def chroma(settings: Settings) -> None:
    """Chroma's own server (client/server mode, docs/SCALE_OUT.md), on the port of KNOWLEDGE_CHROMA_URL.

    Only for several processes or machines sharing one vector store; the embedded default opens
    Chroma on disk in each process instead.
    """
    if not settings.knowledge_chroma_url:
        sys.exit("KNOWLEDGE_CHROMA_URL is not set: the knowledge base uses Chroma on disk, no server.")
    path = settings.hrbot_data_dir / "chroma-server"
    path.mkdir(parents=True, exist_ok=True)
    # Listen where the clients are told to connect (127.0.0.1 unless the URL names another host).
    host = urlparse(settings.knowledge_chroma_url).hostname or "127.0.0.1"
    _exec(
        [
            str(Path(sys.executable).parent / "chroma"),
            "run",
            "--path",
            str(path),
            "--host",
            host,
            "--port",
            str(settings.chroma_port),
        ]
    )


def gateway(settings: Settings) -> None:
    _exec(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "connectors.web.app:create_app",
            "--host",
            settings.gateway_host,
            "--port",
            str(settings.gateway_port),
        ]
    )


def telegram(settings: Settings) -> None:
    if not settings.telegram_bot_token:
        sys.exit("TELEGRAM_BOT_TOKEN is not set: the Telegram connector is off.")
    _exec([sys.executable, "-c", "from connectors.telegram.bot import main; main()"])


def health_urls(settings: Settings) -> dict[str, str]:
    """What answers once each service is ready to take a message."""
    urls = {
        "personnel backend": settings.personnel_url.rstrip("/") + "/openapi.json",
        "action server": settings.actions_url.rstrip("/") + "/health",
        "Rasa server (model loaded)": settings.rasa_url.rstrip("/") + "/",
        "web gateway": f"http://{settings.gateway_host}:{settings.gateway_port}/healthz",
    }
    if settings.knowledge_chroma_url:  # client/server mode (docs/SCALE_OUT.md)
        urls["Chroma server"] = settings.knowledge_chroma_url.rstrip("/") + "/api/v2/heartbeat"
    return urls


def wait_until_ready(urls: dict[str, str], timeout_s: float = 300.0) -> list[str]:
    """Poll until every URL answers 2xx; return the names still not ready at the deadline."""
    pending = dict(urls)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                try:
                    if client.get(url).status_code < 300:
                        pending.pop(name)
                except httpx.HTTPError:
                    pass
            if pending:
                time.sleep(0.5)
    return list(pending)


def ready(settings: Settings) -> None:
    """Tell the user where to chat once everything answers, then stay out of the way."""
    missing = wait_until_ready(health_urls(settings))
    if missing:
        console.print(f"[red]Not ready after 5 minutes: {', '.join(missing)}. See the logs above.[/red]")
    else:
        url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        console.print(
            f"\n[bold green]The HR assistant is ready.[/bold green] Chat at [bold]{url}[/bold] "
            f"(demo users E1001, E1002, E1003); knowledge admin at {url}/admin; "
            f"API docs at {url}/docs. Press Ctrl-C to stop.\n"
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


PROCESSES = {
    "personnel": personnel,
    "actions": actions,
    "rasa": rasa,
    "gateway": gateway,
    "chroma": chroma,
    "telegram": telegram,
    "ready": ready,
}


def serve(name: str) -> None:
    PROCESSES[name](get_settings())
