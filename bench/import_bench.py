"""Organisation import at scale, and the backend's transactional latency at that size.

Generates an organisation of N employees (default 100,000: departments, a management tree, a
contract each, annual and sick balances for this year) as one CSV per sheet, imports it into a
fresh demo database with the real service (``run_import``), re-imports it (nothing may change),
then starts the real backend on that database and measures its transactional endpoints (p50/p95,
20 clients) as in ``bench.personnel_bench``. Target (issue 20): 100,000 employees in under two
minutes on 2 cores. Run from the repository root::

    .venv/bin/python -m bench.import_bench [--employees 100000] [--quick] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.personnel_bench import run as run_latency
from bench.personnel_bench import start
from personnel.app.db import make_engine, migrate
from personnel.app.models import Employee
from personnel.app.seed import seed_if_empty
from personnel.app.services.access import Actor
from personnel.app.services.import_spec import SHEET_BY_KEY
from personnel.app.services.importer import Source, run_import

TARGET_S = 120.0


def _csv(key: str, rows: list[list[object]]) -> Source:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c.en for c in SHEET_BY_KEY[key].columns])
    w.writerows(rows)
    return Source(f"{key}.csv", buf.getvalue().encode("utf-8"))


def organisation(n: int, year: int) -> list[Source]:
    """N employees in 200 departments; each manager has up to 10 reports (a tree ~5 levels deep)."""
    depts = [[f"B{d:03d}", f"Unit {d}", f"部门{d}", "PRC", "cn_standard", ""] for d in range(200)]
    emps, allocs = [], []
    for i in range(n):
        eid = f"B{i + 1:06d}"
        manager = f"B{(i - 1) // 10 + 1:06d}" if i else ""
        hire = date(2005 + i % 20, 1 + i % 12, 1 + i % 28).isoformat()
        emps.append(
            [
                eid,
                f"Person {i}",
                f"员工{i}",
                f"p{i}@bench.example",
                f"B{i % 200:03d}",
                "Engineer",
                "P3",
                manager,
                hire,
                hire,
                "full_time",
                "fixed_term",
                hire,
                "",
                "zh" if i % 2 else "en",
                "active",
                "",
                "",
                "no",
            ]
        )
        allocs.append([eid, "annual", year, 5 + i % 11, "opening balance"])
        allocs.append([eid, "sick", year, 5, ""])
    return [_csv("departments", depts), _csv("employees", emps), _csv("leave_allocations", allocs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="also fewer latency requests (2 per client)")
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--no-latency", action="store_true", help="import only")
    args = ap.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'import-bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as s:
            seed_if_empty(s, today=today)
        t0 = time.perf_counter()
        sources = organisation(args.employees, today.year)
        gen_s = time.perf_counter() - t0
        size_mb = sum(len(s.data) for s in sources) / 2**20
        results = []
        for label in ("first import", "re-import (unchanged)"):
            with Session(engine) as session:
                t0 = time.perf_counter()
                report = run_import(session, sources, Actor(None, "bench"), today=today)
                assert report.written and not report.has_errors, report.as_dict()["errors"][:5]
                session.commit()
                results.append((label, time.perf_counter() - t0, report))
        with Session(engine) as s:
            total = s.scalar(select(func.count()).select_from(Employee))
        engine.dispose()
        print(
            f"\nOrganisation import: {args.employees:,} employees, {size_mb:.1f} MB of CSV "
            f"(generated in {gen_s:.1f} s), {url.split(':')[0]}\n"
        )
        print("| run | rows | changes | seconds | rows/s | target |")
        print("|---|---:|---:|---:|---:|---|")
        for label, secs, r in results:
            ok = "met" if secs < TARGET_S else "MISSED"
            print(
                f"| {label} | {r.rows:,} | {r.changes:,} | {secs:.1f} | {r.rows / secs:,.0f} | "
                f"< {TARGET_S:.0f} s: {ok} |"
            )
        print(f"\nemployees in the database: {total:,}")
        if args.no_latency:
            return
        proc, base = start(url)
        try:
            asyncio.run(run_latency(base, 20, 2 if args.quick else 10))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
