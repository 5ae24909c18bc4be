"""A small sample organisation ("Acme"), written as HR would: an English XLSX workbook or Chinese
GBK CSVs, from the same rows, so that both header languages must import to the same records."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from personnel.app.services.import_spec import SHEET_BY_KEY

ROWS: dict[str, list[dict[str, Any]]] = {
    "leave_policies": [
        {
            "code": "acme_std",
            "name_en": "Acme standard",
            "name_zh": "Acme标准",
            "annual_method": "prc_statutory",
            "annual_extra_days": 2,
            "sick_days": 6,
            "backdate_limit_days": 30,
            "training_hours_required": 20,
        },
    ],
    "leave_types": [
        {
            "code": "annual",
            "name_en": "Annual leave",
            "name_zh": "年假",
            "is_paid": "yes",
            "needs_balance": "yes",
        },
        {
            "code": "sick",
            "name_en": "Sick leave",
            "name_zh": "病假",
            "is_paid": "yes",
            "needs_balance": "yes",
        },
    ],
    "departments": [
        {
            "code": "ACME-OPS",
            "name_en": "Acme Operations",
            "name_zh": "Acme运营部",
            "calendar": "PRC",
            "leave_policy": "acme_std",
            "head": "A0001",
        },
        {
            "code": "ACME-ENG",
            "name_en": "Acme Engineering",
            "name_zh": "Acme工程部",
            "calendar": "PRC",
            "leave_policy": "acme_std",
            "head": "A0002",
        },
    ],
    "employees": [
        {
            "id": "A0001",
            "name_en": "Zhou Min",
            "name_zh": "周敏",
            "email": "zhou.min@acme.example",
            "department": "ACME-OPS",
            "position": "Director",
            "grade": "M3",
            "manager": "",
            "hire_date": "2012-04-01",
            "first_employment_date": "2005-07-01",
            "employment_type": "full_time",
            "contract_type": "open_ended",
            "contract_start": "2012-04-01",
            "contract_end": "",
            "language": "zh",
            "status": "active",
            "hr_admin": "yes",
        },
        {
            "id": "A0002",
            "name_en": "Gao Lei",
            "name_zh": "高磊",
            "email": "gao.lei@acme.example",
            "department": "ACME-ENG",
            "position": "Engineering Manager",
            "grade": "M1",
            "manager": "A0001",
            "hire_date": "2016-09-12",
            "first_employment_date": "2011-07-01",
            "employment_type": "full_time",
            "contract_type": "fixed_term",
            "contract_start": "2022-09-12",
            "contract_end": "2027-09-11",
            "language": "en",
            "status": "active",
            "hr_admin": "no",
        },
        {
            "id": "A0003",
            "name_en": "Xu Jing",
            "name_zh": "徐静",
            "email": "xu.jing@acme.example",
            "department": "ACME-ENG",
            "position": "Software Engineer",
            "grade": "P3",
            "manager": "A0002",
            "hire_date": "2020-03-02",
            "first_employment_date": "2018-07-01",
            "employment_type": "full_time",
            "contract_type": "fixed_term",
            "contract_start": "2023-03-02",
            "contract_end": "2026-12-31",
            "language": "zh",
            "status": "active",
            "hr_admin": "no",
        },
        {
            "id": "A0004",
            "name_en": "Ma Tao",
            "name_zh": "马涛",
            "email": "ma.tao@acme.example",
            "department": "ACME-ENG",
            "position": "Intern",
            "grade": "",
            "manager": "A0002",
            "hire_date": "2026-07-01",
            "first_employment_date": "",
            "employment_type": "intern",
            "contract_type": "internship",
            "contract_start": "2026-07-01",
            "contract_end": "2026-12-31",
            "language": "en",
            "status": "active",
            "hr_admin": "no",
        },
    ],
    "leave_allocations": [
        {"employee": "A0003", "leave_type": "annual", "year": 2026, "days": 12.5, "note": "opening balance"},
        {"employee": "A0003", "leave_type": "sick", "year": 2026, "days": 6, "note": ""},
        {"employee": "A0002", "leave_type": "annual", "year": 2026, "days": 10, "note": "opening balance"},
    ],
    "courses": [
        {
            "code": "ACME-SAFE",
            "title_en": "Acme site safety",
            "title_zh": "Acme现场安全",
            "category": "compliance",
            "hours": 4,
            "delivery": "in_person",
            "mandatory": "no",
            "keywords": "safety; 安全",
        },
    ],
    "sessions": [
        {
            "course": "ACME-SAFE",
            "start_date": "2026-12-10",
            "end_date": "2026-12-10",
            "place": "Room 5",
            "capacity": 20,
            "enrolment_deadline": "2026-12-08",
            "waitlist": "yes",
        },
    ],
    "training_records": [
        {"employee": "A0003", "course": "ACME-SAFE", "date": "2025-06-10", "status": "completed"},
    ],
}

ZH_VALUES = {
    "yes": "是",
    "no": "否",
    "full_time": "全职",
    "intern": "实习",
    "active": "在职",
    "zh": "中文",
    "en": "英文",
    "completed": "已完成",
    "in_person": "线下",
}


def _header(key: str, lang: str) -> list[str]:
    return [c.zh if lang == "zh" else c.en for c in SHEET_BY_KEY[key].columns]


def _cells(key: str, row: dict[str, Any], lang: str) -> list[Any]:
    out = []
    for c in SHEET_BY_KEY[key].columns:
        v = row.get(c.key, "")
        if lang == "zh" and c.type in ("bool", "choice") and v in ZH_VALUES:
            v = ZH_VALUES[v]
        out.append(v)
    return out


def rows(overrides: dict[tuple[str, int], dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    data = {k: [dict(r) for r in v] for k, v in ROWS.items()}
    for (key, i), change in (overrides or {}).items():
        data[key][i].update(change)
    return data


def write_xlsx(path: Path, data: dict[str, list[dict[str, Any]]] | None = None, lang: str = "en") -> Path:
    from openpyxl import Workbook

    data = data or rows()
    wb = Workbook()
    wb.remove(wb.active)
    for key, items in data.items():
        sheet = SHEET_BY_KEY[key]
        ws = wb.create_sheet(sheet.zh if lang == "zh" else sheet.en)
        ws.append(_header(key, lang))
        for r in items:
            ws.append(_cells(key, r, lang))
    wb.save(path)
    return path


def write_csvs(
    folder: Path, data: dict[str, list[dict[str, Any]]] | None = None, lang: str = "zh", encoding: str = "gbk"
) -> list[Path]:
    """One CSV per sheet, named after the sheet in ``lang`` (e.g. 员工.csv)."""
    data = data or rows()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, items in data.items():
        sheet = SHEET_BY_KEY[key]
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(_header(key, lang))
        for r in items:
            w.writerow(_cells(key, r, lang))
        p = folder / f"{sheet.zh if lang == 'zh' else sheet.key}.csv"
        p.write_bytes(buf.getvalue().encode(encoding))
        paths.append(p)
    return paths
