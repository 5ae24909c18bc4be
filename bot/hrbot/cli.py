"""The ``hrbot`` command: the single entry point to set up, run and look after the assistant."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from hrbot import environments, paths
from hrbot.serve import PROCESSES
from hrbot.serve import serve as serve_process
from hrbot.settings import get_settings

app = typer.Typer(help="Bilingual HR self-service assistant.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


def _step(number: int, total: int, text: str) -> None:
    console.print(f"[bold cyan][{number}/{total}][/bold cyan] {text}")


@app.command()
def setup(
    minimal: Annotated[bool, typer.Option(help="Only environments and model (what the tests need).")] = False,
) -> None:
    """Install what is missing, train the model if the training data changed, ingest the demo handbook."""
    total = 3 if minimal else 4
    _step(1, total, "Secrets for the embedded defaults (.env)")
    console.print("      created" if environments.ensure_env_file() else "      already there")
    _step(2, total, "Rasa environment (.venv-rasa)")
    console.print("      installed" if environments.ensure_rasa_env() else "      up to date")
    _step(3, total, "Rasa model (trained only when config, domain or data changed)")
    console.print("      trained" if environments.ensure_model() else "      up to date")
    if not minimal:
        _step(4, total, "Demo knowledge base (unchanged documents are skipped)")
        from knowledge.api import KnowledgeBase

        report = KnowledgeBase().ingest([paths.DEMO_KNOWLEDGE], base=paths.DEMO_KNOWLEDGE)
        console.print(f"      {report}")


@app.command()
def train(force: Annotated[bool, typer.Option(help="Train even if nothing changed.")] = False) -> None:
    """Train the Rasa model (skipped when config, domain and data are unchanged)."""
    environments.ensure_rasa_env()
    console.print("trained" if environments.ensure_model(force=force) else "model is up to date")


@app.command()
def run() -> None:
    """Set up if needed, then run every process of the assistant until Ctrl-C."""
    setup(minimal=False)
    get_settings.cache_clear()
    settings = get_settings()
    names = ["personnel", "actions", "rasa", "gateway", "ready"]
    if settings.telegram_bot_token:
        names.insert(4, "telegram")
    honcho = str(paths.VENV / "bin" / "honcho") if (paths.VENV / "bin" / "honcho").exists() else "honcho"
    os.chdir(paths.ROOT)
    os.execvp(honcho, [honcho, "-f", str(paths.PROCFILE), "-e", str(paths.ENV_FILE), "start", *names])


@app.command()
def serve(name: Annotated[str, typer.Argument(help=f"One of: {', '.join(PROCESSES)}")]) -> None:
    """Run one process of the assistant (used by the Procfile)."""
    if name not in PROCESSES:
        raise typer.BadParameter(f"unknown process {name!r}; choose from {', '.join(PROCESSES)}")
    serve_process(name)


@app.command()
def token(employee_id: str) -> None:
    """Print a sign-in token (JWT) for a demo user; only when a development secret is configured."""
    from connectors.settings import get_settings as gateway_settings
    from connectors.web.tokens import issue_dev_token

    try:
        typer.echo(issue_dev_token(employee_id, gateway_settings()))
    except (RuntimeError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _mount_optional() -> None:
    """Sub-commands that live with their component (knowledge/ owns `knowledge` and `ask`)."""
    try:
        from knowledge.cli import app as knowledge_app
        from knowledge.cli import ask_command
    except ImportError as exc:  # pragma: no cover - only while a component is missing
        print(f"hrbot: knowledge commands unavailable: {exc}", file=sys.stderr)
        return
    app.add_typer(knowledge_app, name="knowledge", help="Manage and query the HR knowledge base.")
    app.command(name="ask", help="Answer a policy question as the chat would, without Rasa.")(ask_command)


def _mount_personnel() -> None:
    """`hrbot personnel import/template/...` live with the backend (personnel/cli.py)."""
    from personnel.cli import app as personnel_app

    app.add_typer(personnel_app, name="personnel", help="Import and maintain personnel data.")


_mount_optional()
_mount_personnel()
