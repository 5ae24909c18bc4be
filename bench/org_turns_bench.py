"""Transactional chat turns at organisation scale (issue 20).

Starts the real assistant (the processes of ``make run`` on free ports, temporary state), measures
leave-balance turns and a whole leave application up to its confirmation at concurrency 1, then
imports N generated employees (with managers and opening balances) into the same backend database
through the importer, and measures again, including balance turns of an imported employee. The
question answered: does the system of record's size slow the assistant's transactional turns?

    .venv/bin/python -m bench.org_turns_bench [--employees 100000] [--rounds 40]

Writes ``bench/results/org-turns.md`` (``--quick``: 10,000 employees, 10 rounds, ``org-turns-quick.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from bench.import_bench import organisation
from bench.load import Driver, Result, Scenario, Turn, _contains, scenarios
from bench.machine import describe as describe_machine
from personnel.app.db import make_engine
from personnel.app.services.access import Actor
from personnel.app.services.importer import run_import
from tests.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
IMPORTED = "B000003"  # an English-speaking imported employee with a manager and an opening balance


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure(driver: Driver, script: Scenario, rounds: int) -> Result:
    await driver.run([script], concurrency=1, conversations=2)  # warm-up, not counted
    return await driver.run([script], concurrency=1, conversations=rounds)


def _machine() -> str:
    m = describe_machine()
    keys = ("cpu", "cores_usable", "memory_gib", "python", "commit", "load_average_at_start")
    return ", ".join(f"{k} {m[k]}" for k in keys if k in m) or "this machine"


def _row(label: str, result: Result) -> str:
    ms = result.turn_ms
    return (
        f"| {label} | {len(ms)} | {result.errors} | {statistics.median(ms):.1f} | "
        f"{_pct(ms, 0.95):.1f} | {_pct(ms, 0.99):.1f} |"
    )


async def _run(stack: Stack, employees: int, rounds: int) -> list[str]:
    kinds = scenarios([])
    balance, leave = kinds["transaction"][0], kinds["leave_flow"][0]
    imported = Scenario(
        "transaction",
        (Turn("how much annual leave do I have left", _contains("leave balances for", "days left")),),
        employee=IMPORTED,
    )
    driver = Driver([stack.rasa_url], stack.identity_secret)
    rows = []
    demo = "demo organisation (50 people)"
    try:
        rows.append(_row(f"leave balance, {demo}", await _measure(driver, balance, rounds)))
        rows.append(_row(f"leave application turns, {demo}", await _measure(driver, leave, rounds)))
        engine = make_engine(stack.env["PERSONNEL_DATABASE_URL"])
        t0 = time.perf_counter()
        with Session(engine) as session:
            sources = organisation(employees, date.today().year)
            report = run_import(session, sources, Actor(None, "bench"), today=date.today())
            assert report.written and not report.has_errors, report.as_dict()["errors"][:5]
            session.commit()
        import_s = time.perf_counter() - t0
        engine.dispose()
        size = f"{employees:,} imported employees"
        rows.append(_row(f"leave balance, {size}", await _measure(driver, balance, rounds)))
        rows.append(_row(f"leave application turns, {size}", await _measure(driver, leave, rounds)))
        rows.append(
            _row(f"leave balance of an imported employee, {size}", await _measure(driver, imported, rounds))
        )
        rows.append(f"\nImport into the running stack's SQLite database: {import_s:.1f} s.")
    finally:
        await driver.aclose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int)
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    employees = args.employees or (10_000 if args.quick else 100_000)
    rounds = args.rounds or (10 if args.quick else 40)
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp)).start()
        try:
            rows = asyncio.run(_run(stack, employees, rounds))
        finally:
            stack.stop()
    lines = [
        f"# Transactional turns at {employees:,} employees",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {_machine()}.",
        "",
        "A turn = one user message until Rasa's reply (action server → backend), concurrency 1.",
        "",
        "| turn | turns | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = RESULTS / ("org-turns-quick.md" if args.quick else "org-turns.md")
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
