"""``hrbot personnel ...``: import an organisation, write the import template, publish calendars.

The commands call the backend's services directly on PERSONNEL_DATABASE_URL (migrating it first),
in one transaction, so a large import does not go through HTTP; the API (``POST /imports``) and the
admin page run the very same service.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Import and maintain personnel data.")
console = Console(stderr=True)

PHASES = {
    "en": {
        "read": "reading",
        "check": "checking",
        "write": "writing",
        "employees": "employees",
        "contracts": "contracts",
        "leave_allocations": "leave balances",
        "training_records": "training",
        "audit": "audit trail",
    },
    "zh": {
        "read": "读取",
        "check": "校验",
        "write": "写入",
        "employees": "员工",
        "contracts": "合同",
        "leave_allocations": "假期额度",
        "training_records": "培训记录",
        "audit": "审计记录",
    },
}


def _lang(lang: str | None) -> str:
    if lang:
        return "zh" if lang.lower().startswith("zh") else "en"
    env = os.environ.get("LANG", "")
    return "zh" if env.lower().startswith("zh") else "en"


def _database_url(url: str | None) -> str:
    from personnel.app.core.config import get_settings

    return url or get_settings().database_url


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX files")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    partial: Annotated[
        bool, typer.Option("--partial", help="Write the valid rows even when some rows have errors.")
    ] = False,
    lang: Annotated[
        str | None, typer.Option(help="Language of the report: en or zh (default: $LANG).")
    ] = None,
    allocate_from_policy: Annotated[
        bool,
        typer.Option(
            "--allocate-from-policy",
            help="Give new employees the file has no leave allocation for this year's "
            "allocation from their leave policy.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    database_url: Annotated[str | None, typer.Option(help="Default: PERSONNEL_DATABASE_URL.")] = None,
) -> None:
    """Import departments, employees, balances, courses, sessions and training records.

    Nothing is written unless every row is valid (or --partial); re-importing a file changes nothing.
    """
    from personnel.app.core.config import get_settings
    from personnel.app.db import make_engine, make_sessionmaker, migrate
    from personnel.app.services.access import Actor
    from personnel.app.services.importer import Source, import_and_commit

    language = _lang(lang)
    engine = make_engine(_database_url(database_url))
    migrate(engine)
    sources = [Source(f.name, f.read_bytes()) for f in files]
    names = PHASES[language]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(names["read"], total=None)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, description=names.get(phase, phase), completed=done, total=total or None)

        with make_sessionmaker(engine)() as session:
            report = import_and_commit(
                session,
                sources,
                Actor(None, "cli"),
                today=get_settings().today(),
                dry_run=dry_run,
                partial=partial,
                lang=language,
                progress=progress,
                allocate_from_policy=allocate_from_policy,
            )
    engine.dispose()
    data = report.as_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data, language)
    if report.has_errors and not (partial and report.written):
        raise typer.Exit(1)


HEAD = {
    "en": ("kind", "created", "updated", "unchanged", "rejected"),
    "zh": ("类别", "新增", "更新", "未变", "拒绝"),
}
ERR_HEAD = {"en": ("file", "sheet", "row", "column", "reason"), "zh": ("文件", "工作表", "行", "列", "原因")}


def _print_report(data: dict, lang: str) -> None:
    from rich.table import Table

    out = Console()
    t = Table(*HEAD[lang])
    from personnel.app.services.import_spec import SHEET_BY_KEY

    for kind, c in data["counts"].items():
        sheet = SHEET_BY_KEY[kind]
        label = sheet.zh if lang == "zh" else sheet.en
        t.add_row(label, *(str(c[k]) for k in ("created", "updated", "unchanged", "rejected")))
    out.print(t)
    problems = data["errors"] + data["warnings"]
    if problems:
        e = Table(*ERR_HEAD[lang])
        for err in problems[:200]:
            e.add_row(err["file"], err["sheet"], str(err["row"] or ""), err["column"], err["message"])
        out.print(e)
        if len(problems) > 200:
            out.print(f"... {len(problems) - 200}")
    out.print(data["summary"])


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="An .xlsx file, or a folder for one CSV per sheet.")] = Path(
        "organisation-template.xlsx"
    ),
    lang: Annotated[str, typer.Option(help="Header language: en or zh.")] = "en",
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the column reference instead.")] = False,
) -> None:
    """Write the import template: a sheet per kind of record, headers in English or Chinese."""
    from personnel.app.services import import_template as tpl

    if markdown:
        typer.echo(tpl.markdown())
        return
    language = _lang(lang)
    if out.suffix.lower() == ".xlsx":
        tpl.write_xlsx(out, language)
        console.print(f"wrote {out}")
    else:
        for p in tpl.write_csvs(out, language):
            console.print(f"wrote {p}")


@app.command()
def calendar(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="calendar YAML or iCalendar (.ics)")
    ],
    code: Annotated[
        str | None, typer.Option(help="Calendar code (needed for .ics; overrides the YAML's).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Publish only this year of the file.")] = None,
    database_url: Annotated[str | None, typer.Option(help="Default: PERSONNEL_DATABASE_URL.")] = None,
) -> None:
    """Publish a holiday calendar's years; pending leave in them is recounted and its owners told."""
    from personnel.app.db import make_engine, make_sessionmaker, migrate
    from personnel.app.services import calendar_publish as pub
    from personnel.app.services.access import Actor
    from personnel.app.services.errors import AppError

    data = file.read_bytes()
    try:
        if file.suffix.lower() in (".ics", ".ical"):
            if not code:
                raise AppError("validation_error", "an iCalendar file needs --code", 400)
            cf = pub.parse_ical(data, code)
        else:
            cf = pub.parse_yaml(data.decode("utf-8-sig"))
            cf.code = code or cf.code
    except (AppError, ValueError, KeyError, TypeError) as exc:
        console.print(f"[red]{getattr(exc, 'message', exc)}[/red]")
        raise typer.Exit(2) from exc
    years = [year] if year else sorted(cf.years)
    engine = make_engine(_database_url(database_url))
    migrate(engine)
    try:
        with make_sessionmaker(engine)() as session:
            recounted = []
            for y in years:
                recounted += pub.publish_year(
                    session, Actor(None, "cli"), cf, y, f"imported from {file.name}"
                )
            session.commit()
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(
        f"{cf.code}: published {', '.join(map(str, years))}; {len(recounted)} pending requests recounted"
    )
