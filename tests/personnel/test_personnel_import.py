"""Organisation import: both header languages, dry run, all-or-nothing, re-import, the API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from import_samples import rows, write_csvs, write_xlsx
from personnel_testkit import REPO, TODAY, Api, LiveServer, headers, run_server
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from personnel.app.db import make_engine
from personnel.app.models import (
    AuditLog,
    Contract,
    Department,
    Employee,
    Enrolment,
    LeaveAllocation,
    TrainingSession,
)
from personnel.app.services.access import Actor
from personnel.app.services.importer import Report, Source, run_import

TABLES = (Employee, Department, Contract, LeaveAllocation, TrainingSession, Enrolment)


def _import(url: str, paths: list[Path], **kw: object) -> Report:
    engine = make_engine(url)
    with Session(engine) as session:
        report = run_import(
            session, [Source(p.name, p.read_bytes()) for p in paths], Actor(None, "test"), today=TODAY, **kw
        )
        session.commit() if report.written else session.rollback()
    engine.dispose()
    return report


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        out = {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES}
    engine.dispose()
    return out


def test_dry_run_reports_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    before = _counts(db_url)
    report = _import(db_url, [write_xlsx(tmp_path / "acme.xlsx")], dry_run=True)
    assert not report.has_errors and not report.written
    assert report.counts["employees"].created == 4
    assert report.counts["leave_allocations"].created == 3
    assert report.counts["departments"].created == 2
    assert "nothing was written" in report.as_dict()["summary"]
    assert _counts(db_url) == before


def test_import_then_reimport_in_either_language_changes_nothing(api: Api, tmp_path: Path) -> None:
    url = api.url
    first = _import(url, [write_xlsx(tmp_path / "acme.xlsx")])
    assert first.written and not first.has_errors, first.as_dict()["errors"]
    after_first = _counts(url)

    engine = make_engine(url)
    with Session(engine) as session:
        xu = session.get(Employee, "A0003")
        assert xu is not None and xu.manager_id == "A0002" and xu.department.code == "ACME-ENG"
        assert xu.name_zh == "徐静" and xu.preferred_language == "zh"
        assert session.scalar(select(Department.head_id).where(Department.code == "ACME-OPS")) == "A0001"
        assert session.scalar(
            select(func.count()).select_from(Contract).where(Contract.employee_id == "A0003")
        )
        runs = session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "import.run")
        )
        created = session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "import.create")
        )
        assert runs == 1 and created >= 12
    engine.dispose()

    # the imported opening balance is what the employee sees
    bal = {b["leave_type"]: b for b in api.get("/leave/balances?year=2026", emp="A0003").json()}
    assert bal["annual"]["allocated"] == 12.5 and bal["annual"]["balance"] == 12.5

    again = _import(url, [write_xlsx(tmp_path / "acme-again.xlsx")])
    assert again.written and again.changes == 0
    assert "Nothing to change" in again.as_dict()["summary"]
    zh = _import(url, write_csvs(tmp_path / "zh"), lang="zh")  # Chinese headers and values, GBK
    assert zh.written and zh.changes == 0, zh.as_dict()
    assert zh.counts["employees"].unchanged == 4
    assert "无需变更" in zh.as_dict()["summary"]
    assert _counts(url) == after_first

    # a change in the file is one update, audited with before and after
    changed = rows({("employees", 2): {"position": "Senior Software Engineer"}})
    upd = _import(url, [write_xlsx(tmp_path / "acme-promoted.xlsx", changed)])
    assert upd.counts["employees"].updated == 1 and upd.changes == 1
    engine = make_engine(url)
    with Session(engine) as session:
        row = session.scalars(
            select(AuditLog).where(AuditLog.action == "import.update", AuditLog.entity_id == "A0003")
        ).one()
        assert row.before == {"position": "Software Engineer"}
        assert row.after == {"position": "Senior Software Engineer"}
    engine.dispose()


def test_one_bad_row_rejects_the_whole_file_with_file_row_column_and_reason(
    db_url: str, tmp_path: Path
) -> None:
    before = _counts(db_url)
    bad = rows({("employees", 3): {"hire_date": "2026-13-01"}})
    paths = write_csvs(tmp_path / "zh", bad)
    report = _import(db_url, paths, lang="zh")
    assert not report.written and _counts(db_url) == before
    errors = report.as_dict()["errors"]
    assert len(errors) == 1
    e = errors[0]
    assert (e["file"], e["row"], e["column"]) == ("员工.csv", 5, "入职日期")
    assert "不是日期" in e["message"]
    assert "未写入任何数据" in report.as_dict()["summary"]

    en = _import(db_url, [write_xlsx(tmp_path / "bad.xlsx", bad)], lang="en")
    e = en.as_dict()["errors"][0]
    assert (e["sheet"], e["row"], e["column"]) == ("Employees", 5, "Hire date")
    assert "is not a date" in e["message"]

    # --partial writes the valid rows and skips the bad one
    part = _import(db_url, [write_xlsx(tmp_path / "bad.xlsx", bad)], partial=True)
    assert part.written and part.counts["employees"].created == 3 and part.counts["employees"].rejected == 1
    assert _counts(db_url)["employees"] == before["employees"] + 3


@pytest.mark.parametrize(
    ("override", "column", "code"),
    [
        ({("employees", 1): {"manager": "A0003"}}, "Manager (employee ID)", "manager_cycle"),
        ({("employees", 2): {"department": "NOPE"}}, "Department code", "unknown_ref"),
        ({("employees", 3): {"email": "gao.lei@acme.example"}}, "Email", "duplicate"),
        ({("leave_allocations", 0): {"days": -1}}, "Days", "negative"),
        ({("employees", 2): {"email": "wang.wei@example.com"}}, "Email", "email_taken"),
    ],
)
def test_reference_and_value_errors_are_reported(
    db_url: str, tmp_path: Path, override: dict, column: str, code: str
) -> None:
    report = _import(db_url, [write_xlsx(tmp_path / "x.xlsx", rows(override))])
    codes = {(e.column, e.code) for e in report.errors if not e.warning}
    assert (column, code) in codes, codes
    assert not report.written


def test_api_import_job_reports_progress_and_is_hr_only(api: Api, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "acme.xlsx")
    files = {"files": ("acme.xlsx", path.read_bytes(), "application/octet-stream")}
    assert api.post("/imports?wait=true", emp="E1001", files=files).status_code == 403
    r = api.post("/imports?wait=true&dry_run=true&lang=zh", emp="E1003", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["report"]["counts"]["employees"]["created"] == 4
    assert "试运行" in r.json()["report"]["summary"]
    started = api.post("/imports", emp="E1003", files=files)
    assert started.status_code == 202
    job = started.json()["id"]
    import time

    for _ in range(200):
        status = api.get(f"/imports/{job}", emp="E1003").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done" and status["report"]["written"]
    assert api.get("/employees/A0003", emp="E1003").json()["name_zh"] == "徐静"


def test_cli_template_and_dry_run(tmp_path: Path, templates: object) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "PERSONNEL_DATABASE_URL": url, "PERSONNEL_SEED_DEMO": "false"}
    hrbot = [str(Path(sys.executable).parent / "hrbot")]
    tpl = tmp_path / "tpl.xlsx"
    out = subprocess.run(
        [*hrbot, "personnel", "template", str(tpl), "--lang", "zh"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    from openpyxl import load_workbook

    wb = load_workbook(tpl)
    assert "员工" in wb.sheetnames and [c.value for c in wb["员工"][1]][:2] == ["工号", "英文姓名"]
    # the empty template imports as nothing, without errors
    r = subprocess.run(
        [*hrbot, "personnel", "import", str(tpl), "--dry-run", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["error_count"] == 0
    bad = write_xlsx(tmp_path / "bad.xlsx", rows({("employees", 0): {"hire_date": "yesterday"}}))
    r = subprocess.run(
        [*hrbot, "personnel", "import", str(bad), "--lang", "en", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert [(e["sheet"], e["row"], e["column"]) for e in report["errors"]] == [("Employees", 2, "Hire date")]
    assert "is not a date" in report["errors"][0]["message"] and "nothing was written" in report["summary"]
    # the same file corrected imports into the empty system, and the imported HR admin can use the API
    good = write_xlsx(tmp_path / "good.xlsx")
    r = subprocess.run(
        [*hrbot, "personnel", "import", str(good)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Imported" in r.stdout


def _audited(url: str, action: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        n = session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0
    engine.dispose()
    return n


def test_new_employees_without_allocations_are_reported_or_allocated_from_policy(
    db_url: str, tmp_path: Path
) -> None:
    """A balance of 0 days is rarely true: HR hears which new employees the file gives no leave
    allocation for, and can have them derived from each one's leave policy instead."""
    checked = _import(db_url, [write_xlsx(tmp_path / "acme.xlsx")], dry_run=True)
    (warning,) = [w for w in checked.as_dict()["warnings"] if w["code"] == "no_allocations"]
    assert "2 new employees" in warning["message"] and "2026" in warning["message"]
    zh = _import(db_url, write_csvs(tmp_path / "zh"), dry_run=True, lang="zh")
    assert any("2 名新员工" in w["message"] for w in zh.as_dict()["warnings"])

    allocated_before = _audited(db_url, "leave.allocate")
    report = _import(db_url, [write_xlsx(tmp_path / "acme.xlsx")], allocate_from_policy=True)
    assert report.written and not report.has_errors
    assert not [w for w in report.as_dict()["warnings"] if w["code"] == "no_allocations"]
    engine = make_engine(db_url)
    with Session(engine) as session:
        got = {
            (a.employee_id, a.leave_type.code): (a.days, a.note)
            for a in session.scalars(
                select(LeaveAllocation).where(
                    LeaveAllocation.employee_id.in_(["A0001", "A0003", "A0004"]), LeaveAllocation.year == 2026
                )
            )
        }
    engine.dispose()
    audited = _audited(db_url, "leave.allocate") - allocated_before
    for emp in ("A0001", "A0004"):  # derived from their policy, and audited
        assert got[(emp, "annual")][1].startswith("policy ")
    assert got[("A0003", "annual")] == (12.5, "opening balance")  # the file's own stays
    assert audited >= 4 and report.counts["leave_allocations"].created == 3 + audited
    again = _import(db_url, [write_xlsx(tmp_path / "acme.xlsx")], allocate_from_policy=True)
    assert again.changes == 0


def _poll(
    hr: httpx.Client, job: str, until: Callable[[dict[str, Any]], bool], seconds: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status = hr.get(f"/imports/{job}").json()
        if until(status) or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_an_import_job_outlives_its_process(db_url: str, tmp_path: Path) -> None:
    """An HR admin's import whose backend process is killed mid-run (a crash, a deploy without a
    drain): nothing was written, and the job, asked again after the restart (SQLite) or from another
    process (PostgreSQL), says it was interrupted, in the language it was started in; a finished
    job's report is still there after the restart."""
    from bench.import_bench import organisation

    small = {"files": ("acme.xlsx", write_xlsx(tmp_path / "acme.xlsx").read_bytes())}
    big = [("files", (s.name, s.data)) for s in organisation(20_000, TODAY.year)]
    fast_beats = {"PERSONNEL_IMPORT_HEARTBEAT_SECONDS": "0.5"}
    with run_server(db_url, env=fast_beats) as first, _hr(first) as hr:
        done = hr.post("/imports?wait=true&dry_run=true", files=small).json()
        assert done["status"] == "done"
        before = _counts(db_url)  # (not while the import writes: SQLite would wait for it to end)
        started = hr.post("/imports?lang=zh", files=big)
        assert started.status_code == 202
        job = started.json()["id"]
        running = _poll(hr, job, lambda j: j["done"] > 0 or j["status"] != "queued")
        assert running["status"] == "running", running
        assert first.proc is not None
        first.proc.kill()
        first.proc.wait(timeout=10)
    assert _counts(db_url) == before  # the import is one transaction: a killed one wrote nothing
    with run_server(db_url, env=fast_beats) as second, _hr(second) as hr:
        again = hr.get(f"/imports/{done['id']}").json()
        assert again["status"] == "done" and again["report"] == done["report"]
        if db_url.startswith("sqlite"):  # the restarted backend marked it at start-up: at once
            lost = hr.get(f"/imports/{job}").json()
        else:  # another process tells it from its silent heartbeat
            lost = _poll(hr, job, lambda j: j["status"] == "failed", seconds=30)
        assert lost["status"] == "failed" and lost["error_code"] == "interrupted", lost
        assert "中断" in lost["error"] and "重新" in lost["error"]  # in the language it was started in
        assert hr.get("/imports/nope").status_code == 404


def _hr(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers=headers("E1003"), timeout=60)
