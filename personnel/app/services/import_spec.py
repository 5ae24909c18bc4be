"""What an organisation import file may contain: sheets, columns, their English and Chinese headers.

One definition serves the parser (headers in either language, a few aliases), the template that
``hrbot personnel template`` writes and the documentation (personnel/IMPORT.md is generated from it
by ``hrbot personnel template --markdown``). Keys are the backend's field names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    type: str = "text"  # text | date | int | float | bool | choice | list
    required: bool = False
    help_en: str = ""
    help_zh: str = ""
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # value -> accepted spellings
    example: str = ""
    max_len: int | None = None


@dataclass(frozen=True)
class Sheet:
    key: str
    en: str
    zh: str
    columns: tuple[Column, ...]
    help_en: str = ""
    help_zh: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


YES_NO = {"true": ("yes", "y", "true", "1", "是", "对", "√"), "false": ("no", "n", "false", "0", "否", "")}
LANGS = {"en": ("en", "english", "英文", "英语"), "zh": ("zh", "chinese", "中文", "汉语", "zh-cn")}
STATUS = {
    "active": ("active", "在职", "正常"),
    "on_leave": ("on_leave", "on leave", "休假中", "停薪留职"),
    "left": ("left", "inactive", "离职", "已离职"),
}
EMPLOYMENT = {
    "full_time": ("full_time", "full time", "full-time", "全职"),
    "part_time": ("part_time", "part time", "part-time", "兼职"),
    "intern": ("intern", "实习", "实习生"),
    "contractor": ("contractor", "外包", "劳务"),
}
METHODS = {
    "prc_statutory": ("prc_statutory", "法定", "法定年休假"),
    "us_federal_accrual": ("us_federal_accrual", "accrual", "累积制"),
    "fixed": ("fixed", "固定"),
}
DELIVERY = {"online": ("online", "线上", "在线"), "in_person": ("in_person", "in person", "线下", "面授")}
ENROL = {
    "completed": ("completed", "done", "已完成", "完成"),
    "enrolled": ("enrolled", "已报名", "报名"),
}

C = Column
SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "leave_policies",
        "Leave policies",
        "假期政策",
        (
            C("code", "Code", "政策代码", required=True, example="cn_standard", max_len=40),
            C("name_en", "Name (English)", "英文名称", required=True, example="China standard", max_len=200),
            C("name_zh", "Name (Chinese)", "中文名称", example="中国标准", max_len=200),
            C(
                "annual_method",
                "Annual leave method",
                "年假计算方式",
                "choice",
                required=True,
                choices=METHODS,
                example="prc_statutory",
                help_en="prc_statutory (by cumulative years of service), us_federal_accrual, or fixed",
                help_zh="法定（按累计工作年限）、累积制或固定",
            ),
            C("annual_fixed_days", "Fixed annual days", "固定年假天数", "float", example="0"),
            C("annual_extra_days", "Extra company days", "公司福利假天数", "float", example="0"),
            C("sick_days", "Sick days", "病假天数", "float", example="5"),
            C("personal_days", "Personal days", "事假天数", "float", example="0"),
            C("backdate_limit_days", "Backdating limit (days)", "可补请天数", "int", example="30"),
            C("training_hours_required", "Training hours required", "年度培训学时", "float", example="24"),
        ),
        "Entitlement rules per organisation; departments and employees refer to them by code.",
        "各单位的假期规则；部门和员工按代码引用。",
    ),
    Sheet(
        "leave_types",
        "Leave types",
        "假期类型",
        (
            C("code", "Code", "假期代码", required=True, example="annual", max_len=40),
            C("name_en", "Name (English)", "英文名称", required=True, example="Annual leave", max_len=200),
            C("name_zh", "Name (Chinese)", "中文名称", example="年假", max_len=200),
            C("is_paid", "Paid", "带薪", "bool", choices=YES_NO, example="yes"),
            C("needs_balance", "Needs a balance", "需要额度", "bool", choices=YES_NO, example="yes"),
            C("max_days_per_application", "Max days per application", "单次上限天数", "float"),
        ),
    ),
    Sheet(
        "departments",
        "Departments",
        "部门",
        (
            C("code", "Department code", "部门代码", required=True, example="HR", max_len=20),
            C("name_en", "Name (English)", "英文名称", required=True, example="Human Resources", max_len=200),
            C("name_zh", "Name (Chinese)", "中文名称", example="人力资源部", max_len=200),
            C("calendar", "Holiday calendar", "假日日历", example="PRC", max_len=20),
            C("leave_policy", "Leave policy", "假期政策", example="cn_standard", max_len=40),
            C("head", "Head (employee ID)", "负责人工号", example="E0001", max_len=20),
        ),
    ),
    Sheet(
        "employees",
        "Employees",
        "员工",
        (
            C("id", "Employee ID", "工号", required=True, example="E0001", max_len=20),
            C("name_en", "Name (English)", "英文姓名", required=True, example="Li Wei", max_len=200),
            C("name_zh", "Name (Chinese)", "中文姓名", example="李伟", max_len=200),
            C("email", "Email", "邮箱", required=True, example="li.wei@example.org", max_len=200),
            C("department", "Department code", "部门代码", example="HR", max_len=20),
            C("position", "Position", "职位", required=True, example="HR Specialist", max_len=200),
            C("grade", "Grade", "职级", example="P3", max_len=20),
            C("manager", "Manager (employee ID)", "上级工号", example="", max_len=20),
            C("hire_date", "Hire date", "入职日期", "date", required=True, example="2019-03-01"),
            C(
                "first_employment_date",
                "First employment date",
                "参加工作日期",
                "date",
                example="2015-07-01",
                help_en="start of cumulative service (PRC statutory leave); hire date when empty",
                help_zh="累计工作年限的起点；为空时按入职日期",
            ),
            C(
                "employment_type",
                "Employment type",
                "用工类型",
                "choice",
                choices=EMPLOYMENT,
                example="full_time",
            ),
            C("contract_type", "Contract type", "合同类型", example="fixed_term", max_len=40),
            C("contract_start", "Contract start", "合同开始日期", "date", example="2019-03-01"),
            C("contract_end", "Contract end", "合同结束日期", "date", example="2028-02-29"),
            C("language", "Language", "语言", "choice", choices=LANGS, example="zh"),
            C("status", "Status", "状态", "choice", choices=STATUS, example="active"),
            C("calendar", "Holiday calendar", "假日日历", example="", max_len=20),
            C("leave_policy", "Leave policy", "假期政策", example="", max_len=40),
            C("hr_admin", "HR administrator", "HR管理员", "bool", choices=YES_NO, example="no"),
        ),
    ),
    Sheet(
        "leave_allocations",
        "Leave balances",
        "假期额度",
        (
            C("employee", "Employee ID", "工号", required=True, example="E0001", max_len=20),
            C("leave_type", "Leave type", "假期类型", required=True, example="annual", max_len=40),
            C("year", "Year", "年度", "int", required=True, example="2026"),
            C(
                "days",
                "Days",
                "天数",
                "float",
                required=True,
                example="10",
                help_en="the year's allocation, or the opening balance carried over from the old system",
                help_zh="本年度额度，或从原系统结转的期初余额",
            ),
            C("note", "Note", "备注", example="opening balance", max_len=400),
        ),
    ),
    Sheet(
        "courses",
        "Courses",
        "课程",
        (
            C("code", "Course code", "课程代码", required=True, example="SAFE-101", max_len=40),
            C(
                "title_en",
                "Title (English)",
                "英文名称",
                required=True,
                example="Workplace safety",
                max_len=300,
            ),
            C("title_zh", "Title (Chinese)", "中文名称", example="安全生产", max_len=300),
            C("category", "Category", "类别", required=True, example="compliance", max_len=60),
            C("hours", "Hours", "学时", "float", required=True, example="4"),
            C("delivery", "Delivery", "形式", "choice", choices=DELIVERY, example="in_person"),
            C("mandatory", "Mandatory", "必修", "bool", choices=YES_NO, example="no"),
            C("keywords", "Keywords", "关键词", "list", example="safety; 安全"),
            C("description_en", "Description (English)", "英文简介"),
            C("description_zh", "Description (Chinese)", "中文简介"),
        ),
    ),
    Sheet(
        "sessions",
        "Course sessions",
        "开班计划",
        (
            C("course", "Course code", "课程代码", required=True, example="SAFE-101", max_len=40),
            C("start_date", "Start date", "开始日期", "date", required=True, example="2026-12-07"),
            C("end_date", "End date", "结束日期", "date", example="2026-12-07"),
            C("place", "Place", "地点", required=True, example="Room 301", max_len=200),
            C("capacity", "Capacity", "名额", "int", required=True, example="30"),
            C("enrolment_deadline", "Enrolment deadline", "报名截止日期", "date", example="2026-12-01"),
            C("waitlist", "Waitlist", "允许候补", "bool", choices=YES_NO, example="yes"),
        ),
        "A session is identified by its course, start date and place.",
        "开班以课程、开始日期和地点识别。",
    ),
    Sheet(
        "training_records",
        "Training records",
        "培训记录",
        (
            C("employee", "Employee ID", "工号", required=True, example="E0001", max_len=20),
            C("course", "Course code", "课程代码", required=True, example="SAFE-101", max_len=40),
            C("date", "Session start date", "开班日期", "date", required=True, example="2025-06-10"),
            C("status", "Status", "状态", "choice", choices=ENROL, example="completed"),
        ),
        "Completed (or booked) courses; a past session not listed is created from the record.",
        "已完成（或已报名）的课程；未列出的历史开班会据记录创建。",
    ),
)
SHEET_BY_KEY = {s.key: s for s in SHEETS}


def norm(text: str) -> str:
    """Header/sheet-name comparison form: lower case, no spaces, marks or required-asterisks."""
    return re.sub(r"[\s*＊_\-:：()（）]+", "", str(text)).lower()


def _aliases(sheet: Sheet) -> set[str]:
    return {norm(sheet.key), norm(sheet.en), norm(sheet.zh)}


def sheet_for_name(name: str) -> Sheet | None:
    n = norm(name)
    return next((s for s in SHEETS if n in _aliases(s)), None)


def header_map(sheet: Sheet) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for c in sheet.columns:
        for label in (c.key, c.en, c.zh):
            out.setdefault(norm(label), c)
    return out


def guess_sheet(headers: list[str]) -> Sheet | None:
    """The sheet whose required columns all appear in ``headers`` and which explains most of them."""
    names = {norm(h) for h in headers if h}
    best: tuple[int, Sheet] | None = None
    for s in SHEETS:
        hm = header_map(s)
        required = {norm(lbl) for c in s.columns if c.required for lbl in (c.key, c.en, c.zh)}
        have = {hm[n].key for n in names if n in hm}
        if not all(c.key in have for c in s.columns if c.required) or not required:
            continue
        score = len(have) * 10 - len(names - set(hm))
        if best is None or score > best[0]:
            best = (score, s)
    return best[1] if best else None
