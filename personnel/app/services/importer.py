"""Import an organisation from HR's spreadsheets (CSV or XLSX; headers in English or Chinese).

Three phases, so that nothing is half-done:

1. **read** every file (XLSX sheets by name, CSVs in UTF-8 or GBK by their headers or file name)
   into typed rows; a cell that does not parse is a row error with file, sheet, row and column;
2. **plan**: check references (department, manager, policy, course ...) against the file and the
   database, and compare every row with what is stored: create, update or unchanged;
3. **apply** the plan in one transaction with bulk statements, auditing each created or changed
   record and the run itself. With errors nothing is written unless ``partial`` is asked, which
   skips the bad rows (and rows that depend on them). Re-importing the same file plans nothing.

The same function serves ``hrbot personnel import``, the API (``POST /imports``) and the admin page.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from personnel.app.models import (
    AuditLog,
    Contract,
    Course,
    Department,
    Employee,
    Enrolment,
    LeaveAllocation,
    LeavePolicy,
    LeaveType,
    TrainingSession,
    utcnow,
)
from personnel.app.services.access import Actor
from personnel.app.services.import_spec import (
    SHEETS,
    Column,
    Sheet,
    guess_sheet,
    header_map,
    norm,
    sheet_for_name,
)
from personnel.app.services.leave import generate_allocations

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
BATCH = 5000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# the message catalogue of row errors: code -> (English, Chinese)
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("a value is required", "必填项为空"),
    "bad_date": ("{value!r} is not a date (use YYYY-MM-DD)", "“{value}”不是日期（请用 YYYY-MM-DD）"),
    "bad_number": ("{value!r} is not a number", "“{value}”不是数字"),
    "bad_int": ("{value!r} is not a whole number", "“{value}”不是整数"),
    "bad_choice": ("{value!r} is not one of: {choices}", "“{value}”不在可选值中：{choices}"),
    "too_long": ("longer than {max} characters", "超过 {max} 个字符"),
    "negative": ("must not be negative", "不能为负数"),
    "bad_email": ("{value!r} is not an email address", "“{value}”不是邮箱地址"),
    "duplicate": (
        "{value!r} appears twice in the file (first on row {first})",
        "“{value}”在文件中重复（首次在第 {first} 行）",
    ),
    "email_taken": ("email {value!r} belongs to employee {other}", "邮箱“{value}”已属于员工 {other}"),
    "unknown_ref": (
        "{what} {value!r} is neither in the file nor in the system",
        "{what_zh}“{value}”既不在文件中也不在系统中",
    ),
    "bad_ref": (
        "skipped: {what} {value!r} has errors of its own",
        "已跳过：{what_zh}“{value}”所在行有错误",
    ),
    "manager_cycle": ("manager chain loops back to {value!r}", "上级关系形成循环（回到 {value}）"),
    "self_manager": ("an employee cannot be their own manager", "员工不能是自己的上级"),
    "date_order": ("ends before it starts", "结束日期早于开始日期"),
    "no_sheet": (
        "cannot tell what this sheet holds; name it after the template or use its headers",
        "无法识别该表的内容；请按模板命名工作表或使用模板的表头",
    ),
    "no_header": ("no header row", "没有表头行"),
    "unknown_column": (
        "column {value!r} is not in the template (ignored)",
        "模板中没有列“{value}”（已忽略）",
    ),
    "missing_column": ("required column is missing", "缺少必填列"),
    "bad_file": ("cannot read the file: {value}", "无法读取文件：{value}"),
    "bad_encoding": ("the file is neither UTF-8 nor GBK text", "文件既不是 UTF-8 也不是 GBK 编码"),
    "no_allocations": (
        "{n} new employees have no leave allocation for {year}, so their balance shows 0 days: add "
        "them on the leave_allocations sheet, or import with --allocate-from-policy to derive them "
        "from each one's leave policy",
        "{n} 名新员工没有 {year} 年的假期额度，余额将显示为 0 天：请在假期额度表中补充，"
        "或使用 --allocate-from-policy 导入，按各自的休假政策生成",
    ),
    "hr_admin_left": ("a person who has left cannot be an HR administrator", "已离职人员不能是HR管理员"),
}
REF_NAMES = {
    "department": ("department", "部门"),
    "employee": ("employee", "员工"),
    "manager": ("manager", "上级"),
    "leave_policy": ("leave policy", "假期政策"),
    "leave_type": ("leave type", "假期类型"),
    "course": ("course", "课程"),
    "head": ("employee", "员工"),
}


@dataclass
class RowError:
    file: str
    sheet: str
    row: int  # 1-based as a spreadsheet shows it (the header is row 1)
    column: str  # the header as written in the file ("" for the whole row)
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False

    def message(self, lang: str) -> str:
        en, zh = MESSAGES[self.code]
        params = dict(self.params)
        what = params.get("what")
        if what in REF_NAMES:
            params["what"], params["what_zh"] = REF_NAMES[what]
        return (zh if lang == "zh" else en).format(**params)

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message(lang),
            "warning": self.warning,
        }


@dataclass
class Row:
    """One data row of a sheet, values converted to their types (absent columns are not keys)."""

    sheet: Sheet
    file: str
    sheet_name: str
    number: int
    values: dict[str, Any]
    labels: dict[str, str]  # column key -> header as written
    bad: bool = False


@dataclass
class Table:
    sheet: Sheet
    file: str
    sheet_name: str
    rows: list[Row]
    present: set[str]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass
class Report:
    files: list[str]
    dry_run: bool
    partial: bool
    lang: str
    counts: dict[str, Counts] = field(default_factory=lambda: {s.key: Counts() for s in SHEETS})
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    rows: int = 0
    seconds: float = 0.0
    digest: str = ""

    @property
    def has_errors(self) -> bool:
        return any(not e.warning for e in self.errors)

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def as_dict(self, max_errors: int = 1000) -> dict[str, Any]:
        errs = [e for e in self.errors if not e.warning]
        warns = [e for e in self.errors if e.warning]
        return {
            "files": self.files,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "written": self.written,
            "rows": self.rows,
            "changes": self.changes,
            "seconds": round(self.seconds, 2),
            "digest": self.digest,
            "counts": {k: c.as_dict() for k, c in self.counts.items() if any(c.as_dict().values())},
            "error_count": len(errs),
            "errors": [e.as_dict(self.lang) for e in errs[:max_errors]],
            "warnings": [e.as_dict(self.lang) for e in warns[:max_errors]],
            "summary": summary(self),
        }


SUMMARY = {
    "rejected": (
        "{n} errors: nothing was written. Correct the rows listed (or import with --partial).",
        "发现 {n} 处错误：未写入任何数据。请更正所列行（或使用 --partial 导入）。",
    ),
    "dry_run": (
        "Dry run: {changes} records would change; nothing was written.",
        "试运行：将变更 {changes} 条记录；未写入任何数据。",
    ),
    "dry_run_errors": (
        "Dry run: {n} errors; the valid rows would change {changes} records. Nothing was written.",
        "试运行：发现 {n} 处错误；有效行将变更 {changes} 条记录。未写入任何数据。",
    ),
    "written": ("Imported: {changes} records changed.", "导入完成：变更 {changes} 条记录。"),
    "partial": (
        "Imported: {changes} records changed; {n} rows with errors were skipped.",
        "导入完成：变更 {changes} 条记录；跳过了 {n} 处有错误的行。",
    ),
    "unchanged": (
        "Nothing to change: the system already matches the file.",
        "无需变更：系统数据与文件一致。",
    ),
}

#: why an import job ended without a report (the import is one transaction: nothing was written)
JOB_ERRORS = {
    "failed": (
        "The import failed unexpectedly: nothing was written. Try again; if it fails again, "
        "give HR IT the job id {id}.",
        "导入意外失败：未写入任何数据。请重试；如再次失败，请将任务编号 {id} 告知人事信息部门。",
    ),
    "interrupted": (
        "The import was interrupted (the service restarted): nothing was written. Start it again.",
        "导入被中断（服务已重启）：未写入任何数据。请重新开始导入。",
    ),
}


def job_error(code: str, lang: str, job_id: str) -> str:
    en, zh = JOB_ERRORS[code]
    return (zh if lang == "zh" else en).format(id=job_id)


def summary(r: Report) -> str:
    n = sum(1 for e in r.errors if not e.warning)
    if r.dry_run:
        key = "dry_run_errors" if n else "dry_run"
    elif n and not r.partial:
        key = "rejected"
    elif n:
        key = "partial"
    else:
        key = "written" if r.changes else "unchanged"
    en, zh = SUMMARY[key]
    return (zh if r.lang == "zh" else en).format(n=n, changes=r.changes)


# ---------------------------------------------------------------- reading


@dataclass
class Source:
    name: str
    data: bytes


def _decode_csv(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "neither UTF-8 nor GBK")


def _raw_tables(src: Source) -> Iterator[tuple[str, list[Any], Iterable[tuple[int, list[Any]]]]]:
    """(sheet name, header cells, numbered data rows) of each sheet/CSV."""
    suffix = PurePath(src.name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(src.data), read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                it = ws.iter_rows(values_only=True)
                header = next(it, None)
                if header is None:
                    continue
                yield ws.title, list(header), ((i, list(r)) for i, r in enumerate(it, start=2))
        finally:
            wb.close()
    else:
        text = _decode_csv(src.data)
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        yield PurePath(src.name).stem, list(header or []), ((i, r) for i, r in enumerate(reader, start=2))


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _to_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip().split(" ")[0].split("T")[0]
    if len(s) == 10 and s[4] == "-" and s[7] == "-":  # the common case, without strptime's cost
        return date.fromisoformat(s)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", s):  # an Excel serial day number typed as text
        return date(1899, 12, 30) + timedelta(days=int(float(s)))
    raise ValueError(s)


def convert(col: Column, v: Any) -> tuple[Any, str | None, dict[str, Any]]:
    """(value, error code, params) of one cell; blank cells are None (checked for required later)."""
    if _blank(v):
        return None, None, {}
    try:
        if col.type == "date":
            return _to_date(v), None, {}
        if col.type == "float":
            x = float(str(v).strip().replace(",", "")) if not isinstance(v, (int, float)) else float(v)
            return (x, None, {}) if x >= 0 else (None, "negative", {})
        if col.type == "int":
            x = float(str(v).strip()) if not isinstance(v, (int, float)) else float(v)
            if x != int(x):
                return None, "bad_int", {"value": str(v)}
            return (int(x), None, {}) if x >= 0 else (None, "negative", {})
    except (ValueError, OverflowError):
        return (
            None,
            "bad_date" if col.type == "date" else ("bad_int" if col.type == "int" else "bad_number"),
            {"value": str(v)},
        )
    if col.type in ("bool", "choice"):
        s = str(v).strip().lower()
        if isinstance(v, bool) or (isinstance(v, (int, float)) and col.type == "bool"):
            s = "true" if v else "false"
        for value, spellings in col.choices.items():
            if s == value or s in spellings:
                return (value == "true") if col.type == "bool" else value, None, {}
        return None, "bad_choice", {"value": str(v), "choices": ", ".join(col.choices)}
    if col.type == "list":
        return [p.strip() for p in re.split(r"[;；,，]", str(v)) if p.strip()], None, {}
    s = str(v).strip()
    if isinstance(v, float) and v.is_integer():
        s = str(int(v))  # an id typed as a number in Excel
    if col.max_len and len(s) > col.max_len:
        return None, "too_long", {"max": col.max_len}
    return s, None, {}


def read(sources: list[Source], report: Report, progress: Progress | None = None) -> list[Table]:
    tables: list[Table] = []
    for src in sources:
        try:  # materialised here so that any reading error is this file's error, not a crash
            raw = [(name, header, list(body)) for name, header, body in _raw_tables(src)]
        except UnicodeDecodeError:
            report.errors.append(RowError(src.name, "", 0, "", "bad_encoding"))
            continue
        except Exception as exc:  # a corrupt workbook: openpyxl/zipfile raise many types
            report.errors.append(RowError(src.name, "", 0, "", "bad_file", {"value": type(exc).__name__}))
            continue
        for sheet_name, header, body in raw:
            labels = ["" if h is None else str(h).strip() for h in header]
            if not any(labels):
                report.errors.append(RowError(src.name, sheet_name, 1, "", "no_header"))
                continue
            sheet = sheet_for_name(sheet_name) or guess_sheet(labels)
            if sheet is None:
                if sheet_name.lower() in ("readme", "说明", "instructions"):
                    continue
                report.errors.append(RowError(src.name, sheet_name, 1, "", "no_sheet"))
                continue
            hm = header_map(sheet)
            idx: list[tuple[int, Column]] = []
            for i, label in enumerate(labels):
                if not label:
                    continue
                col = hm.get(norm(label))
                if col is None:
                    report.errors.append(
                        RowError(src.name, sheet_name, 1, label, "unknown_column", {"value": label}, True)
                    )
                    continue
                idx.append((i, col))
            present = {c.key for _, c in idx}
            label_of = {c.key: labels[i] for i, c in idx}
            missing = [c for c in sheet.columns if c.required and c.key not in present]
            for c in missing:
                report.errors.append(RowError(src.name, sheet_name, 1, c.en, "missing_column"))
            if missing:
                continue
            rows: list[Row] = []
            for number, cells in body:
                if all(_blank(c) for c in cells):
                    continue
                values: dict[str, Any] = {}
                bad = False
                for i, col in idx:
                    v = cells[i] if i < len(cells) else None
                    value, err, params = convert(col, v)
                    if err is None and value is None and col.required:
                        err = "required"
                    if err:
                        report.errors.append(
                            RowError(src.name, sheet_name, number, label_of[col.key], err, params)
                        )
                        bad = True
                    values[col.key] = value
                rows.append(Row(sheet, src.name, sheet_name, number, values, label_of, bad))
                if progress and len(rows) % 20000 == 0:
                    progress("read", len(rows), 0)
            report.rows += len(rows)
            tables.append(Table(sheet, src.name, sheet_name, rows, present))
    return tables


# ---------------------------------------------------------------- planning


@dataclass
class Plan:
    """Rows to insert and updates (by primary key) per model, in the order they must run."""

    inserts: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    updates: dict[type, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    audit: list[dict[str, Any]] = field(default_factory=list)
    dept_heads: list[dict[str, Any]] = field(default_factory=list)
    new_sessions: dict[tuple[str, date], dict[str, Any]] = field(default_factory=dict)


def _err(report: Report, row: Row, key: str, code: str, **params: Any) -> None:
    label = row.labels.get(key, "") if key else ""
    # a row refused only because a row it refers to is wrong is a consequence, listed as a warning
    report.errors.append(
        RowError(row.file, row.sheet_name, row.number, label, code, params, code == "bad_ref")
    )
    row.bad = True


def _rows(tables: list[Table], key: str) -> list[tuple[Table, Row]]:
    return [(t, r) for t in tables if t.sheet.key == key for r in t.rows]


def _dedupe(report: Report, rows: list[tuple[Table, Row]], keyfn: Callable[[Row], Any], col: str) -> None:
    first: dict[Any, Row] = {}
    for _, r in rows:
        if r.bad:
            continue
        k = keyfn(r)
        if k in first:
            _err(
                report,
                r,
                col,
                "duplicate",
                value=k if isinstance(k, str) else " / ".join(map(str, k)),
                first=first[k].number,
            )
        else:
            first[k] = r


def _diff(
    new: dict[str, Any], old: dict[str, Any] | None, present: set[str], mapping: dict[str, str]
) -> dict[str, Any]:
    """Fields (model names) that the row changes; only columns present in the file count."""
    changed = {}
    for col, fld in mapping.items():
        if col not in present or fld not in new:
            continue
        if old is None or old.get(fld) != new[fld]:
            changed[fld] = new[fld]
    return changed


def _audit(
    plan: Plan, action: str, entity: str, ident: Any, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    def js(d: dict[str, Any] | None) -> dict[str, Any] | None:
        if d is None:
            return None
        return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in d.items()}

    plan.audit.append(
        {
            "action": action,
            "entity": entity,
            "entity_id": str(ident)[:60],
            "before": js(before),
            "after": js(after),
        }
    )


def _simple(
    session: Session,
    report: Report,
    plan: Plan,
    tables: list[Table],
    key: str,
    model: type,
    mapping: dict[str, str],
    defaults: dict[str, Any],
    fill: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Row]:
    """Upsert-by-code planning of a small table (policies, leave types, courses)."""
    rows = _rows(tables, key)
    _dedupe(report, rows, lambda r: r.values["code"], "code")
    existing = {o.code: o for o in session.scalars(select(model))}
    valid: dict[str, Row] = {}
    for t, r in rows:
        if r.bad:
            report.counts[key].rejected += 1
            continue
        new = {fld: r.values.get(col) for col, fld in mapping.items() if col in t.present}
        new = {k: (defaults.get(k) if v is None and k in defaults else v) for k, v in new.items()}
        if fill:
            fill(new)
        old_obj = existing.get(r.values["code"])
        old = {fld: getattr(old_obj, fld) for fld in new} if old_obj else None
        changes = _diff(new, old, t.present | set(new), {fld: fld for fld in new})
        valid[r.values["code"]] = r
        if old_obj is None:
            plan.inserts[model].append({**defaults, **new})
            _audit(plan, "import.create", model.__tablename__, r.values["code"], None, new)
            report.counts[key].created += 1
        elif changes:
            plan.updates[model].append({"id": old_obj.id, **changes})
            _audit(
                plan,
                "import.update",
                model.__tablename__,
                r.values["code"],
                {k: old[k] for k in changes} if old else None,
                changes,
            )
            report.counts[key].updated += 1
        else:
            report.counts[key].unchanged += 1
    return valid


def _name_zh(new: dict[str, Any], en: str = "name_en", zh: str = "name_zh") -> None:
    if zh in new and not new[zh]:
        new[zh] = new.get(en) or ""


def plan_import(session: Session, tables: list[Table], report: Report, today: date) -> Plan:
    plan = Plan()
    # policies and leave types: small tables keyed by code
    policies = _simple(
        session,
        report,
        plan,
        tables,
        "leave_policies",
        LeavePolicy,
        {c.key: c.key for c in SHEET_COLS["leave_policies"]},
        {
            "annual_fixed_days": 0.0,
            "annual_extra_days": 0.0,
            "sick_days": 0.0,
            "personal_days": 0.0,
            "backdate_limit_days": 30,
            "training_hours_required": 0.0,
            "name_zh": "",
        },
        _name_zh,
    )
    ltypes = _simple(
        session,
        report,
        plan,
        tables,
        "leave_types",
        LeaveType,
        {c.key: c.key for c in SHEET_COLS["leave_types"]},
        {"is_paid": True, "needs_balance": True, "name_zh": ""},
        _name_zh,
    )
    policy_codes = set(policies) | set(session.scalars(select(LeavePolicy.code)))
    type_codes = set(ltypes) | set(session.scalars(select(LeaveType.code)))

    # departments
    drows = _rows(tables, "departments")
    _dedupe(report, drows, lambda r: r.values["code"], "code")
    for _, r in drows:
        lp = r.values.get("leave_policy")
        if not r.bad and lp and lp not in policy_codes:
            _err(report, r, "leave_policy", "unknown_ref", what="leave_policy", value=lp)
    db_depts = {d.code: d for d in session.scalars(select(Department))}
    dept_codes = {r.values["code"] for _, r in drows} | set(db_depts)

    # employees
    erows = _rows(tables, "employees")
    _dedupe(report, erows, lambda r: r.values["id"], "id")
    _dedupe(report, erows, lambda r: (r.values.get("email") or "").lower(), "email")
    dept_code = dict(session.execute(select(Department.id, Department.code)).all())
    pol_code = dict(session.execute(select(LeavePolicy.id, LeavePolicy.code)).all())
    db_emp: dict[str, dict[str, Any]] = {}
    for row in session.execute(select(*[getattr(Employee, f) for f in EMP_FIELDS])):
        d = row._asdict()
        d["department_code"] = dept_code.get(d.pop("department_id"))
        d["leave_policy_code"] = pol_code.get(d.pop("leave_policy_id"))
        db_emp[d["id"]] = d
    db_email = {(v["email"] or "").lower(): k for k, v in db_emp.items()}
    file_emp = {r.values["id"]: r for _, r in erows if not r.bad}
    file_ids = {r.values.get("id") for _, r in erows}
    for _, r in erows:
        if r.bad:
            continue
        v = r.values
        if not EMAIL.match(v["email"]):
            _err(report, r, "email", "bad_email", value=v["email"])
        other = db_email.get(v["email"].lower())
        if other and other != v["id"] and not (other in file_emp and "email" in r.labels):
            _err(report, r, "email", "email_taken", value=v["email"], other=other)
        if v.get("department") and v["department"] not in dept_codes:
            _err(report, r, "department", "unknown_ref", what="department", value=v["department"])
        if v.get("leave_policy") and v["leave_policy"] not in policy_codes:
            _err(report, r, "leave_policy", "unknown_ref", what="leave_policy", value=v["leave_policy"])
        if v.get("manager") == v["id"]:
            _err(report, r, "manager", "self_manager")
        elif v.get("manager") and v["manager"] not in file_ids and v["manager"] not in db_emp:
            _err(report, r, "manager", "unknown_ref", what="manager", value=v["manager"])
        if v.get("contract_start") and v.get("contract_end") and v["contract_end"] < v["contract_start"]:
            _err(report, r, "contract_end", "date_order")
        if v.get("hr_admin") and v.get("status") == "left":
            _err(report, r, "hr_admin", "hr_admin_left")
    # a department row whose own reference failed invalidates employees in it (and vice versa)
    bad_depts = {r.values["code"] for _, r in drows if r.bad}
    _cascade(report, erows, "department", bad_depts, "department")
    # manager references to rows with errors, then cycles, until stable
    while True:
        bad_ids = {r.values["id"] for _, r in erows if r.bad}
        before = len(bad_ids)
        for _, r in erows:
            m = r.values.get("manager")
            if not r.bad and m in bad_ids:
                _err(report, r, "manager", "bad_ref", what="manager", value=m)
        if len({r.values["id"] for _, r in erows if r.bad}) == before:
            break
    managers = {k: v["manager_id"] for k, v in db_emp.items()}
    for eid, r in file_emp.items():
        if not r.bad and "manager" in r.values:
            managers[eid] = r.values.get("manager")
    _check_cycles(report, file_emp, managers)
    # departments' heads must be valid employees
    good_emps = {r.values["id"] for _, r in erows if not r.bad}
    for _, r in drows:
        h = r.values.get("head")
        if r.bad or not h:
            continue
        if h not in good_emps and h not in db_emp:
            _err(report, r, "head", "bad_ref" if h in file_ids else "unknown_ref", what="head", value=h)

    # plan departments
    for t, r in drows:
        if r.bad:
            report.counts["departments"].rejected += 1
            continue
        v = r.values
        new = {"code": v["code"], "name_en": v["name_en"]}
        if "name_zh" in t.present:
            new["name_zh"] = v.get("name_zh") or v["name_en"]
        if "calendar" in t.present:
            new["calendar"] = v.get("calendar") or "PRC"
        if "leave_policy" in t.present:
            new["leave_policy_code"] = v.get("leave_policy")
        old_obj = db_depts.get(v["code"])
        old = None
        if old_obj is not None:
            old = {
                "code": old_obj.code,
                "name_en": old_obj.name_en,
                "name_zh": old_obj.name_zh,
                "calendar": old_obj.calendar,
                "leave_policy_code": old_obj.leave_policy.code if old_obj.leave_policy else None,
            }
        changes = {k: x for k, x in new.items() if old is None or old.get(k) != x}
        if "head" in t.present and (old_obj is None or old_obj.head_id != v.get("head")):
            plan.dept_heads.append({"code": v["code"], "head_id": v.get("head")})
            changes["head_id"] = v.get("head")
        if old_obj is None:
            new.setdefault("name_zh", v["name_en"])
            plan.inserts[Department].append(new)
            _audit(plan, "import.create", "departments", v["code"], None, changes)
            report.counts["departments"].created += 1
        elif changes:
            upd = {k: x for k, x in changes.items() if k != "head_id"}
            if upd:
                plan.updates[Department].append({"code": v["code"], **upd})
            _audit(plan, "import.update", "departments", v["code"], {k: old.get(k) for k in changes}, changes)
            report.counts["departments"].updated += 1
        else:
            report.counts["departments"].unchanged += 1

    # plan employees (managers before their reports) and their contracts
    db_contracts = {
        (c.employee_id, c.start_date): c
        for c in session.execute(
            select(
                Contract.id,
                Contract.employee_id,
                Contract.start_date,
                Contract.contract_type,
                Contract.end_date,
            )
        )
    }
    depth = _depths(file_emp, managers)
    for t, r in sorted(erows, key=lambda tr: depth.get(tr[1].values["id"], 0)):
        if r.bad:
            report.counts["employees"].rejected += 1
            continue
        v = r.values
        new: dict[str, Any] = {}
        for col, fld in EMP_COLUMNS.items():
            if col in t.present:
                new[fld] = v.get(col)
        if "name_zh" in new and not new["name_zh"]:
            new["name_zh"] = v["name_en"]
        for fld, default in EMP_DEFAULTS.items():
            if fld in new and new[fld] is None:
                new[fld] = default
        old = db_emp.get(v["id"])
        if old is None:
            row = {**EMP_DEFAULTS, "name_zh": v["name_en"], **new}
            plan.inserts[Employee].append(row)
            _audit(plan, "import.create", "employees", v["id"], None, new)
            report.counts["employees"].created += 1
        else:
            changes = {k: x for k, x in new.items() if old.get(k) != x}
            if changes:
                plan.updates[Employee].append({"id": v["id"], **changes})
                _audit(plan, "import.update", "employees", v["id"], {k: old.get(k) for k in changes}, changes)
                report.counts["employees"].updated += 1
            else:
                report.counts["employees"].unchanged += 1
        if v.get("contract_start") and (v.get("contract_type") or "contract_type" not in t.present):
            key = (v["id"], v["contract_start"])
            c = {"contract_type": v.get("contract_type") or "standard", "end_date": v.get("contract_end")}
            oc = db_contracts.get(key)
            if oc is None:
                plan.inserts[Contract].append(
                    {
                        "employee_id": v["id"],
                        "start_date": v["contract_start"],
                        "status": "active",
                        "weekly_hours": 40.0,
                        **c,
                    }
                )
                _audit(plan, "import.create", "contracts", f"{v['id']}/{v['contract_start']}", None, c)
            elif (oc.contract_type, oc.end_date) != (c["contract_type"], c["end_date"]):
                plan.updates[Contract].append({"id": oc.id, **c})
                _audit(
                    plan,
                    "import.update",
                    "contracts",
                    f"{v['id']}/{v['contract_start']}",
                    {"contract_type": oc.contract_type, "end_date": oc.end_date},
                    c,
                )

    all_emps = good_emps | set(db_emp)
    bad_emps = {r.values["id"] for _, r in erows if r.bad}
    _plan_allocations(session, report, plan, tables, all_emps, bad_emps, type_codes, set(ltypes))
    courses = _simple(
        session,
        report,
        plan,
        tables,
        "courses",
        Course,
        COURSE_COLUMNS,
        {"delivery": "in_person", "mandatory": False, "keywords": [], "title_zh": ""},
        lambda n: _name_zh(n, "title_en", "title_zh"),
    )
    course_codes = set(courses) | set(session.scalars(select(Course.code)))
    bad_courses = {r.values["code"] for _, r in _rows(tables, "courses") if r.bad}
    _plan_sessions(session, report, plan, tables, course_codes, bad_courses)
    _plan_training(session, report, plan, tables, all_emps, bad_emps, course_codes, bad_courses)
    return plan


def _cascade(report: Report, rows: list[tuple[Table, Row]], col: str, bad: set[str], what: str) -> None:
    for _, r in rows:
        val = r.values.get(col)
        if not r.bad and val in bad:
            _err(report, r, col, "bad_ref", what=what, value=val)


def _check_cycles(report: Report, file_emp: dict[str, Row], managers: dict[str, str | None]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to reach the top
    for start in file_emp:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and state.get(cur) != 2:
            if state.get(cur) == 1:
                r = file_emp[start]
                if not r.bad:
                    _err(report, r, "manager", "manager_cycle", value=cur)
                break
            state[cur] = 1
            path.append(cur)
            cur = managers.get(cur)
        for p in path:
            state[p] = 2


def _depths(file_emp: dict[str, Row], managers: dict[str, str | None]) -> dict[str, int]:
    depth: dict[str, int] = {}

    def d(eid: str) -> int:
        chain: list[str] = []
        cur: str | None = eid
        while cur is not None and cur in file_emp and cur not in depth and len(chain) <= len(file_emp):
            chain.append(cur)
            cur = managers.get(cur)
        base = depth.get(cur, 0) if cur is not None else -1
        for x in reversed(chain):
            base += 1
            depth[x] = base
        return depth.get(eid, 0)

    for eid in file_emp:
        d(eid)
    return depth


def _plan_allocations(
    session: Session,
    report: Report,
    plan: Plan,
    tables: list[Table],
    emps: set[str],
    bad_emps: set[str],
    type_codes: set[str],
    file_types: set[str],
) -> None:
    rows = _rows(tables, "leave_allocations")
    _dedupe(report, rows, lambda r: (r.values["employee"], r.values["leave_type"], r.values["year"]), "year")
    types = {lt.code: lt.id for lt in session.scalars(select(LeaveType))}
    existing = {
        (a.employee_id, a.leave_type_id, a.year): a
        for a in session.execute(
            select(
                LeaveAllocation.id,
                LeaveAllocation.employee_id,
                LeaveAllocation.leave_type_id,
                LeaveAllocation.year,
                LeaveAllocation.days,
                LeaveAllocation.note,
            )
        )
    }
    for t, r in rows:
        v = r.values
        if not r.bad:
            if v["employee"] in bad_emps:
                _err(report, r, "employee", "bad_ref", what="employee", value=v["employee"])
            elif v["employee"] not in emps:
                _err(report, r, "employee", "unknown_ref", what="employee", value=v["employee"])
            elif v["leave_type"] not in type_codes:
                _err(report, r, "leave_type", "unknown_ref", what="leave_type", value=v["leave_type"])
        if r.bad:
            report.counts["leave_allocations"].rejected += 1
            continue
        ident = f"{v['employee']}/{v['leave_type']}/{v['year']}"
        tid = types.get(v["leave_type"])
        old = existing.get((v["employee"], tid, v["year"])) if tid else None
        new = {"days": v["days"]}
        if "note" in t.present:
            new["note"] = v.get("note")
        if old is None:
            plan.inserts[LeaveAllocation].append(
                {
                    "employee_id": v["employee"],
                    "leave_type_code": v["leave_type"],
                    "year": v["year"],
                    "note": v.get("note"),
                    "days": v["days"],
                }
            )
            _audit(plan, "import.create", "leave_allocations", ident, None, new)
            report.counts["leave_allocations"].created += 1
        else:
            changes = {k: x for k, x in new.items() if getattr(old, k) != x}
            if changes:
                plan.updates[LeaveAllocation].append({"id": old.id, **changes})
                _audit(
                    plan,
                    "import.update",
                    "leave_allocations",
                    ident,
                    {k: getattr(old, k) for k in changes},
                    changes,
                )
                report.counts["leave_allocations"].updated += 1
            else:
                report.counts["leave_allocations"].unchanged += 1


def _plan_sessions(
    session: Session, report: Report, plan: Plan, tables: list[Table], courses: set[str], bad: set[str]
) -> None:
    rows = _rows(tables, "sessions")
    _dedupe(
        report, rows, lambda r: (r.values["course"], r.values["start_date"], r.values["place"]), "start_date"
    )
    existing = {
        (code, s.start_date, s.place): s
        for s, code in session.execute(select(TrainingSession, Course.code).join(Course))
    }
    for t, r in rows:
        v = r.values
        end = v.get("end_date") or v["start_date"]
        if not r.bad:
            if v["course"] in bad:
                _err(report, r, "course", "bad_ref", what="course", value=v["course"])
            elif v["course"] not in courses:
                _err(report, r, "course", "unknown_ref", what="course", value=v["course"])
            elif end < v["start_date"]:
                _err(report, r, "end_date", "date_order")
        if r.bad:
            report.counts["sessions"].rejected += 1
            continue
        new = {"end_date": end, "capacity": v["capacity"]}
        if "enrolment_deadline" in t.present:
            new["enrolment_deadline"] = v.get("enrolment_deadline") or v["start_date"]
        if "waitlist" in t.present:
            new["waitlist_enabled"] = True if v.get("waitlist") is None else v["waitlist"]
        key = (v["course"], v["start_date"], v["place"])
        ident = f"{v['course']}/{v['start_date']}/{v['place']}"
        old = existing.get(key)
        if old is None:
            plan.inserts[TrainingSession].append(
                {
                    "course_code": v["course"],
                    "start_date": v["start_date"],
                    "place": v["place"],
                    "enrolment_deadline": v["start_date"],
                    "waitlist_enabled": True,
                    **new,
                }
            )
            _audit(plan, "import.create", "training_sessions", ident, None, new)
            report.counts["sessions"].created += 1
        else:
            changes = {k: x for k, x in new.items() if getattr(old, k) != x}
            if changes:
                plan.updates[TrainingSession].append({"id": old.id, **changes})
                _audit(
                    plan,
                    "import.update",
                    "training_sessions",
                    ident,
                    {k: getattr(old, k) for k in changes},
                    changes,
                )
                report.counts["sessions"].updated += 1
            else:
                report.counts["sessions"].unchanged += 1


def _plan_training(
    session: Session,
    report: Report,
    plan: Plan,
    tables: list[Table],
    emps: set[str],
    bad_emps: set[str],
    courses: set[str],
    bad_courses: set[str],
) -> None:
    rows = _rows(tables, "training_records")
    _dedupe(report, rows, lambda r: (r.values["employee"], r.values["course"], r.values["date"]), "date")
    sessions = {
        (code, s.start_date): s.id
        for s, code in session.execute(select(TrainingSession, Course.code).join(Course))
    }
    planned = {(s["course_code"], s["start_date"]) for s in plan.inserts[TrainingSession]}
    existing = {
        (e.session_id, e.employee_id): e
        for e in session.execute(
            select(Enrolment.id, Enrolment.session_id, Enrolment.employee_id, Enrolment.status)
        )
    }
    for _t, r in rows:
        v = r.values
        if not r.bad:
            if v["employee"] in bad_emps:
                _err(report, r, "employee", "bad_ref", what="employee", value=v["employee"])
            elif v["employee"] not in emps:
                _err(report, r, "employee", "unknown_ref", what="employee", value=v["employee"])
            elif v["course"] in bad_courses:
                _err(report, r, "course", "bad_ref", what="course", value=v["course"])
            elif v["course"] not in courses:
                _err(report, r, "course", "unknown_ref", what="course", value=v["course"])
        if r.bad:
            report.counts["training_records"].rejected += 1
            continue
        status = v.get("status") or "completed"
        key = (v["course"], v["date"])
        ident = f"{v['employee']}/{v['course']}/{v['date']}"
        sid = sessions.get(key)
        if sid is None and key not in planned:
            planned.add(key)
            plan.new_sessions[key] = {
                "course_code": v["course"],
                "start_date": v["date"],
                "end_date": v["date"],
                "place": "-",
                "capacity": 0,
                "enrolment_deadline": v["date"],
                "waitlist_enabled": False,
            }
        old = existing.get((sid, v["employee"])) if sid else None
        if old is None:
            plan.inserts[Enrolment].append(
                {"session_key": key, "employee_id": v["employee"], "status": status}
            )
            _audit(plan, "import.create", "enrolments", ident, None, {"status": status})
            report.counts["training_records"].created += 1
        elif old.status != status:
            plan.updates[Enrolment].append({"id": old.id, "status": status})
            _audit(plan, "import.update", "enrolments", ident, {"status": old.status}, {"status": status})
            report.counts["training_records"].updated += 1
        else:
            report.counts["training_records"].unchanged += 1
    # a past session created from records holds as many seats as it has people
    seats: dict[Any, int] = defaultdict(int)
    for e in plan.inserts[Enrolment]:
        seats[e["session_key"]] += 1
    for key, s in plan.new_sessions.items():
        s["capacity"] = seats[key]


SHEET_COLS = {s.key: s.columns for s in SHEETS}
EMP_COLUMNS = {
    "id": "id",
    "name_en": "name_en",
    "name_zh": "name_zh",
    "email": "email",
    "department": "department_code",
    "position": "position",
    "grade": "grade",
    "manager": "manager_id",
    "hire_date": "hire_date",
    "first_employment_date": "first_employment_date",
    "employment_type": "employment_type",
    "contract_end": "contract_end",
    "language": "preferred_language",
    "status": "status",
    "calendar": "calendar",
    "leave_policy": "leave_policy_code",
    "hr_admin": "is_hr_admin",
}
EMP_DEFAULTS = {
    "employment_type": "full_time",
    "preferred_language": "en",
    "status": "active",
    "is_hr_admin": False,
}
EMP_FIELDS = [
    "id",
    "name_en",
    "name_zh",
    "email",
    "position",
    "grade",
    "manager_id",
    "hire_date",
    "first_employment_date",
    "employment_type",
    "contract_end",
    "preferred_language",
    "status",
    "calendar",
    "is_hr_admin",
    "department_id",
    "leave_policy_id",
]
COURSE_COLUMNS = {c.key: c.key for c in SHEET_COLS["courses"]}


# ---------------------------------------------------------------- applying


def _bulk_insert(
    session: Session, model: type, rows: list[dict[str, Any]], progress: Progress | None, phase: str
) -> None:
    """Core executemany (no RETURNING, no ORM bookkeeping): rows grouped by their set of keys, since
    one statement binds the same columns for every row; column defaults still apply."""
    table = model.__table__  # type: ignore[attr-defined]
    shapes: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        shapes[frozenset(r)].append(r)
    done = 0
    for group in shapes.values():
        for i in range(0, len(group), BATCH):
            chunk = group[i : i + BATCH]
            session.execute(table.insert(), chunk)
            done += len(chunk)
            if progress:
                progress(phase, done, len(rows))


def _bulk_update(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    # group by the set of changed columns: one executemany per shape
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        shapes[tuple(sorted(r))].append(r)
    for group in shapes.values():
        for i in range(0, len(group), BATCH):
            session.execute(update(model), group[i : i + BATCH])


def apply_plan(session: Session, plan: Plan, actor: Actor, report: Report, progress: Progress | None) -> None:
    ins, upd = plan.inserts, plan.updates
    for model in (LeavePolicy, LeaveType):
        _bulk_insert(session, model, ins[model], None, "")
        _bulk_update(session, model, upd[model])
    policy_id = dict(session.execute(select(LeavePolicy.code, LeavePolicy.id)).all())
    type_id = dict(session.execute(select(LeaveType.code, LeaveType.id)).all())

    def dept_row(d: dict[str, Any]) -> dict[str, Any]:
        d = dict(d)
        if "leave_policy_code" in d:
            code = d.pop("leave_policy_code")
            d["leave_policy_id"] = policy_id.get(code) if code else None
        return d

    _bulk_insert(session, Department, [dept_row(d) for d in ins[Department]], None, "")
    dept_id = dict(session.execute(select(Department.code, Department.id)).all())
    for d in upd[Department]:
        row = dept_row(d)
        code = row.pop("code")
        session.execute(update(Department).where(Department.id == dept_id[code]).values(**row))

    def emp_row(e: dict[str, Any]) -> dict[str, Any]:
        e = dict(e)
        if "department_code" in e:
            code = e.pop("department_code")
            e["department_id"] = dept_id.get(code) if code else None
        if "leave_policy_code" in e:
            code = e.pop("leave_policy_code")
            e["leave_policy_id"] = policy_id.get(code) if code else None
        return e

    _bulk_insert(session, Employee, [emp_row(e) for e in ins[Employee]], progress, "employees")
    _bulk_update(session, Employee, [emp_row(e) for e in upd[Employee]])
    for h in plan.dept_heads:
        session.execute(
            update(Department).where(Department.id == dept_id[h["code"]]).values(head_id=h["head_id"])
        )
    _bulk_insert(session, Contract, ins[Contract], progress, "contracts")
    _bulk_update(session, Contract, upd[Contract])
    allocs = []
    for a in ins[LeaveAllocation]:
        a = dict(a)
        a["leave_type_id"] = type_id[a.pop("leave_type_code")]
        allocs.append(a)
    _bulk_insert(session, LeaveAllocation, allocs, progress, "leave_allocations")
    _bulk_update(session, LeaveAllocation, upd[LeaveAllocation])

    _bulk_insert(session, Course, ins[Course], None, "")
    _bulk_update(session, Course, upd[Course])
    course_id = dict(session.execute(select(Course.code, Course.id)).all())
    sessions = [*ins[TrainingSession], *plan.new_sessions.values()]
    rows = []
    for s in sessions:
        s = dict(s)
        s["course_id"] = course_id[s.pop("course_code")]
        rows.append(s)
    _bulk_insert(session, TrainingSession, rows, None, "")
    _bulk_update(session, TrainingSession, upd[TrainingSession])
    if ins[Enrolment]:
        sid = {
            (code, start): i
            for i, code, start in session.execute(
                select(TrainingSession.id, Course.code, TrainingSession.start_date).join(Course)
            )
        }
        now = utcnow()
        enrol = [
            {
                "session_id": sid[e["session_key"]],
                "employee_id": e["employee_id"],
                "status": e["status"],
                "queued_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for e in ins[Enrolment]
        ]
        _bulk_insert(session, Enrolment, enrol, progress, "training_records")
    _bulk_update(session, Enrolment, upd[Enrolment])

    now = utcnow()
    audit_rows = [{"at": now, "actor_id": actor.id, "channel": actor.channel, **a} for a in plan.audit]
    audit_rows.append(
        {
            "at": now,
            "actor_id": actor.id,
            "channel": actor.channel,
            "action": "import.run",
            "entity": "import",
            "entity_id": report.digest[:60],
            "before": None,
            "after": {
                "files": report.files,
                "partial": report.partial,
                "rows": report.rows,
                "counts": {k: c.as_dict() for k, c in report.counts.items()},
                "errors": sum(1 for e in report.errors if not e.warning),
            },
        }
    )
    _bulk_insert(session, AuditLog, audit_rows, progress, "audit")


def _new_without_allocations(plan: Plan, year: int) -> list[str]:
    """Employees this import creates (and who have not left) with no allocation for ``year`` in it."""
    given = {a["employee_id"] for a in plan.inserts[LeaveAllocation] if a["year"] == year}
    return [e["id"] for e in plan.inserts[Employee] if e.get("status") != "left" and e["id"] not in given]


def run_import(
    session: Session,
    sources: list[Source],
    actor: Actor,
    *,
    today: date,
    dry_run: bool = False,
    partial: bool = False,
    lang: str = "en",
    progress: Progress | None = None,
    allocate_from_policy: bool = False,
) -> Report:
    """Read, check and (unless dry-run or rejected) write an import in the caller's transaction.

    New employees the file gives no leave allocation for this year are reported (a balance of 0
    days is rarely true), or, with ``allocate_from_policy``, allocated from their leave policy.

    The caller commits when ``report.written`` is true and rolls back otherwise.
    """
    import time

    t0 = time.perf_counter()
    digest = hashlib.sha256()
    for s in sources:
        digest.update(s.name.encode() + b"\0" + s.data)
    report = Report([s.name for s in sources], dry_run, partial, lang, digest=digest.hexdigest())
    if progress:
        progress("read", 0, 0)
    tables = read(sources, report, progress)
    if progress:
        progress("check", 0, report.rows)
    plan = plan_import(session, tables, report, today)
    unallocated = _new_without_allocations(plan, today.year)
    if unallocated and not allocate_from_policy:
        report.errors.append(
            RowError(
                report.files[0] if report.files else "",
                "employees",
                0,
                "",
                "no_allocations",
                {"n": len(unallocated), "year": today.year},
                warning=True,
            )
        )
    if not dry_run and (partial or not report.has_errors):
        if progress:
            progress("write", 0, report.changes)
        # the run itself is always audited; an unchanged re-import writes only that row
        apply_plan(session, plan, actor, report, progress)
        session.flush()
        if unallocated and allocate_from_policy:
            # the same rule as HR's "generate allocations" (one place: services/leave.py), audited
            created = generate_allocations(session, actor, today.year, employee_ids=unallocated)
            report.counts["leave_allocations"].created += created
        report.written = True
    report.seconds = time.perf_counter() - t0
    log.info(
        "import %s: rows=%d changes=%d errors=%d written=%s in %.1fs",
        ",".join(report.files),
        report.rows,
        report.changes,
        sum(1 for e in report.errors if not e.warning),
        report.written,
        report.seconds,
    )
    return report


def import_and_commit(session: Session, sources: list[Source], actor: Actor, **options: Any) -> Report:
    """`run_import`, then commit what it wrote or roll back (a dry run or a rejected file writes
    nothing): what the CLI and the HTTP job both do."""
    report = run_import(session, sources, actor, **options)
    if report.written:
        session.commit()
    else:
        session.rollback()
    return report
