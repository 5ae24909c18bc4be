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
    names = ["personnel", "actions", "rasa", "gateway", "notifier", "ready"]
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
    """Print a sign-in token (JWT) for a demo user; development only (HRBOT_ENV=development and
    HRBOT_DEV_LOGIN=true), like the demo page's sign-in."""
    from connectors.settings import get_settings as gateway_settings
    from connectors.web.tokens import issue_dev_token
    from hrbot.security import is_development

    settings = gateway_settings()
    if not (is_development() and settings.hrbot_dev_login):
        console.print(
            "[red]`hrbot token` is a demo sign-in: it needs HRBOT_ENV=development "
            "and HRBOT_DEV_LOGIN=true.[/red]"
        )
        raise typer.Exit(2)
    try:
        typer.echo(issue_dev_token(employee_id, settings))
    except (RuntimeError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@app.command()
def purge() -> None:
    """Delete conversations and HR case transcripts kept longer than the retention settings allow."""
    from hrbot.retention import purge as run_purge

    settings = get_settings()
    console.print(str(run_purge(settings)))


def configuration_values() -> dict[str, object]:
    """Every security-relevant setting as each component resolves it (their own settings classes)."""
    from actions.settings import ActionSettings
    from connectors.settings import ConnectorSettings
    from personnel.app.core.config import Settings as PersonnelSettings

    connectors = ConnectorSettings()
    values: dict[str, object] = {}
    values.update(PersonnelSettings().security_values())
    values.update(ActionSettings().security_values())
    values.update(connectors.security_values())
    values.update(connectors.security_values(telegram=True))
    return values


@app.command()
def doctor(
    ping: Annotated[bool, typer.Option(help="Also check that each process answers.")] = True,
) -> None:
    """Check the configuration as production would (the checks every process runs when it starts)."""
    from hrbot.security import PRODUCTION, UnsafeConfiguration, current_mode, evaluate

    try:
        mode = current_mode()
    except UnsafeConfiguration as exc:
        console.print(f"[red]✗ {exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"mode: [bold]{mode}[/bold] (HRBOT_ENV{'' if mode == PRODUCTION else '=development'})")
    failed = 0
    for check, problem in evaluate(configuration_values()):
        if problem is None:
            console.print(f"  [green]✓[/green] {check.name}")
        else:
            failed += 1
            style = "red" if mode == PRODUCTION else "yellow"
            console.print(f"  [{style}]✗ {problem}[/{style}]")
    if ping:
        import httpx

        from hrbot.serve import health_urls

        for name, url in health_urls(get_settings()).items():
            try:
                up = httpx.get(url, timeout=2.0).status_code < 300
            except httpx.HTTPError:
                up = False
            console.print(
                f"  {'[green]✓' if up else '[yellow]–'}[/] {name} {'answers' if up else 'not answering'}"
            )
    if failed and mode == PRODUCTION:
        console.print(f"[red]{failed} setting(s) would stop the processes from starting in production.[/red]")
        raise typer.Exit(1)
    if failed:
        console.print(
            f"[yellow]{failed} setting(s) are fine for a demo but would refuse production.[/yellow]"
        )


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
