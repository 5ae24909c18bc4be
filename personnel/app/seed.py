"""Deterministic demo organisation (about 50 people) for development, demos and tests.

Dates are computed from "today" so the demo stays current: allocations for this year and next,
upcoming training sessions (data-analysis / 数据分析 courses next month), a session with one seat
and nobody enrolled, a nearly full session, one without waitlist. Fixed ids (see
personnel/README.md): E1001 employee (zh), E1002 her manager, E1003 HR admin.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from personnel.app.models import (
    Contract,
    Course,
    CoursePrerequisite,
    Department,
    Employee,
    Enrolment,
    HRCase,
    JobHistory,
    LeaveApplication,
    LeavePolicy,
    LeaveType,
    TrainingSession,
)
from personnel.app.services.access import Actor
from personnel.app.services.calendar import count_leave_days
from personnel.app.services.leave import employee_calendar, generate_allocations

POLICIES = [
    # code, name_en, name_zh, method, fixed, extra, sick, personal, backdate, training hours
    (
        "cn_standard",
        "China standard (statutory annual leave)",
        "中国标准（法定年休假）",
        "prc_statutory",
        0,
        0,
        5,
        0,
        30,
        24,
    ),
    (
        "cn_senior",
        "China senior staff (statutory + 3 company days)",
        "中国资深员工（法定+3天公司福利假）",
        "prc_statutory",
        0,
        3,
        5,
        0,
        30,
        24,
    ),
    (
        "us_federal",
        "US office (federal accrual)",
        "美国办事处（联邦累积制）",
        "us_federal_accrual",
        0,
        0,
        13,
        0,
        30,
        16,
    ),
    ("intern_fixed", "Interns (fixed 5 days)", "实习生（固定5天）", "fixed", 5, 0, 2, 0, 14, 8),
]

LEAVE_TYPES = [
    # code, en, zh, paid, needs_balance, max per application
    ("annual", "Annual leave", "年假", True, True, None),
    ("sick", "Sick leave", "病假", True, True, None),
    ("personal", "Personal leave (unpaid)", "事假", False, False, 10),
    ("marriage", "Marriage leave", "婚假", True, False, 3),
    ("maternity", "Maternity leave", "产假", True, False, 98),
    ("paternity", "Paternity leave", "陪产假", True, False, 15),
    ("bereavement", "Bereavement leave", "丧假", True, False, 3),
]

DEPARTMENTS = [
    # code, en, zh, calendar, policy
    ("EXE", "Executive Office", "总经办", "PRC", "cn_senior"),
    ("PRD", "Product", "产品部", "PRC", "cn_standard"),
    ("ENG", "Engineering", "研发部", "PRC", "cn_standard"),
    ("HR", "Human Resources", "人力资源部", "PRC", "cn_standard"),
    ("SAL", "Sales", "销售部", "PRC", "cn_standard"),
    ("FIN", "Finance", "财务部", "PRC", "cn_standard"),
    ("MKT", "Marketing", "市场部", "PRC", "cn_standard"),
    ("USO", "US Office", "美国办事处", "US", "us_federal"),
]

# id, name_en, name_zh, dept, position, grade, manager, hire, first employment, lang, hr admin
KEY_PEOPLE = [
    (
        "E1050",
        "Zhou Jian",
        "周健",
        "EXE",
        "Chief Executive Officer",
        "M5",
        None,
        "2010-03-01",
        "2001-07-01",
        "zh",
        False,
    ),
    (
        "E1002",
        "Wang Wei",
        "王伟",
        "PRD",
        "Product Director",
        "M3",
        "E1050",
        "2015-06-01",
        "2008-07-01",
        "zh",
        False,
    ),
    (
        "E1001",
        "Li Na",
        "李娜",
        "PRD",
        "Senior Data Analyst",
        "P5",
        "E1002",
        "2019-03-18",
        "2014-07-01",
        "zh",
        False,
    ),
    ("E1006", "Zhao Min", "赵敏", "HR", "HR Director", "M3", "E1050", "2012-04-09", "2004-07-01", "zh", True),
    (
        "E1003",
        "Chen Jing",
        "陈静",
        "HR",
        "HR Business Partner",
        "P6",
        "E1006",
        "2017-09-01",
        "2012-07-01",
        "en",
        True,
    ),
    (
        "E1004",
        "Zhang Wei",
        "张伟",
        "ENG",
        "Engineering Director",
        "M3",
        "E1050",
        "2014-02-17",
        "2006-07-01",
        "zh",
        False,
    ),
    (
        "E1005",
        "Liu Yang",
        "刘洋",
        "ENG",
        "Software Engineer",
        "P3",
        "E1004",
        "2025-08-01",
        "2025-07-15",
        "zh",
        False,
    ),
    (
        "E1008",
        "Michael Brown",
        "迈克尔·布朗",
        "USO",
        "US Office Manager",
        "M2",
        "E1050",
        "2016-05-02",
        "2006-06-01",
        "en",
        False,
    ),
    (
        "E1007",
        "Emily Carter",
        "艾米丽·卡特",
        "USO",
        "Account Executive",
        "P3",
        "E1008",
        "2023-01-09",
        "2021-06-01",
        "en",
        False,
    ),
    (
        "E1009",
        "Sun Li",
        "孙丽",
        "SAL",
        "Sales Director",
        "M3",
        "E1050",
        "2013-08-12",
        "2007-07-01",
        "zh",
        False,
    ),
    (
        "E1010",
        "Ma Qiang",
        "马强",
        "FIN",
        "Finance Director",
        "M3",
        "E1050",
        "2011-11-01",
        "2003-07-01",
        "zh",
        False,
    ),
    (
        "E1011",
        "Hu Jing",
        "胡静",
        "MKT",
        "Marketing Director",
        "M3",
        "E1050",
        "2018-03-05",
        "2009-07-01",
        "zh",
        False,
    ),
]
HEADS = {
    "EXE": "E1050",
    "PRD": "E1002",
    "ENG": "E1004",
    "HR": "E1006",
    "SAL": "E1009",
    "FIN": "E1010",
    "MKT": "E1011",
    "USO": "E1008",
}

SURNAMES = [
    ("Yang", "杨"),
    ("Huang", "黄"),
    ("Wu", "吴"),
    ("Xu", "徐"),
    ("Gao", "高"),
    ("Lin", "林"),
    ("He", "何"),
    ("Guo", "郭"),
    ("Luo", "罗"),
    ("Zheng", "郑"),
    ("Liang", "梁"),
    ("Xie", "谢"),
    ("Song", "宋"),
    ("Tang", "唐"),
    ("Han", "韩"),
    ("Feng", "冯"),
    ("Deng", "邓"),
    ("Cao", "曹"),
    ("Peng", "彭"),
]
GIVEN = [
    ("Hao", "浩"),
    ("Xin", "欣"),
    ("Yu", "宇"),
    ("Ting", "婷"),
    ("Jie", "杰"),
    ("Fang", "芳"),
    ("Lei", "磊"),
    ("Mei", "梅"),
    ("Tao", "涛"),
    ("Yan", "燕"),
    ("Bo", "波"),
    ("Lan", "兰"),
    ("Kai", "凯"),
    ("Qian", "倩"),
    ("Peng", "鹏"),
    ("Xiaoyu", "晓雨"),
    ("Rui", "瑞"),
]
US_NAMES = [
    ("Olivia Smith", "奥利维亚·史密斯"),
    ("James Miller", "詹姆斯·米勒"),
    ("Sophia Davis", "索菲亚·戴维斯"),
    ("Daniel Wilson", "丹尼尔·威尔逊"),
]
POSITIONS = {
    "PRD": [("Product Manager", "P4"), ("Data Analyst", "P3"), ("UX Designer", "P3")],
    "ENG": [
        ("Software Engineer", "P3"),
        ("Senior Software Engineer", "P5"),
        ("QA Engineer", "P3"),
        ("DevOps Engineer", "P4"),
    ],
    "HR": [("HR Specialist", "P3"), ("Recruiter", "P3")],
    "SAL": [("Account Manager", "P4"), ("Sales Representative", "P2")],
    "FIN": [("Accountant", "P3"), ("Financial Analyst", "P4")],
    "MKT": [("Marketing Specialist", "P3"), ("Content Editor", "P2")],
    "USO": [("Account Executive", "P3"), ("Customer Success Manager", "P4")],
    "EXE": [("Executive Assistant", "P3")],
}
# how many generated people per department (total with key people: 50)
HEADCOUNT = [("PRD", 6), ("ENG", 11), ("SAL", 6), ("FIN", 4), ("MKT", 4), ("HR", 2), ("USO", 4), ("EXE", 1)]

COURSES = [
    # code, en, zh, category, keywords, mandatory, delivery, hours, prerequisites
    (
        "DA-101",
        "Data Analysis Fundamentals with Excel",
        "Excel数据分析基础",
        "data",
        ["data analysis", "excel", "reporting", "数据分析", "报表"],
        False,
        "in_person",
        8,
        [],
    ),
    (
        "DA-102",
        "Data Analysis with Python",
        "Python数据分析",
        "data",
        ["data analysis", "python", "pandas", "数据分析", "编程"],
        False,
        "online",
        12,
        ["DA-101"],
    ),
    (
        "DA-103",
        "Data Visualisation and Dashboards",
        "数据可视化与仪表板",
        "data",
        ["data analysis", "visualisation", "dashboard", "数据分析", "可视化"],
        False,
        "in_person",
        6,
        [],
    ),
    (
        "DA-201",
        "SQL for Analysts",
        "面向分析师的SQL",
        "data",
        ["sql", "database", "data analysis", "数据分析", "数据库"],
        False,
        "online",
        8,
        [],
    ),
    (
        "LD-101",
        "First-time Manager Essentials",
        "新任经理必修课",
        "leadership",
        ["management", "leadership", "管理", "领导力"],
        False,
        "in_person",
        16,
        [],
    ),
    (
        "LD-201",
        "Coaching and Feedback",
        "教练式辅导与反馈",
        "leadership",
        ["coaching", "feedback", "leadership", "辅导", "反馈", "领导力"],
        False,
        "in_person",
        8,
        ["LD-101"],
    ),
    (
        "COMP-001",
        "Information Security Awareness",
        "信息安全意识",
        "compliance",
        ["security", "phishing", "信息安全", "合规"],
        True,
        "online",
        2,
        [],
    ),
    (
        "COMP-002",
        "Anti-Bribery and Corruption",
        "反商业贿赂与反腐败",
        "compliance",
        ["ethics", "bribery", "合规", "反腐败"],
        True,
        "online",
        2,
        [],
    ),
    (
        "COMP-003",
        "Data Privacy and the PIPL",
        "数据隐私与个人信息保护法",
        "compliance",
        ["privacy", "pipl", "gdpr", "个人信息保护", "合规"],
        True,
        "online",
        3,
        [],
    ),
    (
        "SAFE-001",
        "Workplace Safety and Fire Drill",
        "职场安全与消防演练",
        "safety",
        ["safety", "fire", "安全", "消防"],
        True,
        "in_person",
        2,
        [],
    ),
    (
        "COM-101",
        "Business Writing in English",
        "英文商务写作",
        "communication",
        ["writing", "english", "email", "写作", "英语"],
        False,
        "in_person",
        8,
        [],
    ),
    (
        "COM-102",
        "Presentation Skills",
        "演讲与呈现技巧",
        "communication",
        ["presentation", "public speaking", "演讲", "沟通"],
        False,
        "in_person",
        8,
        [],
    ),
    (
        "LANG-101",
        "Business Chinese for Beginners",
        "商务汉语入门",
        "language",
        ["chinese", "mandarin", "language", "汉语", "中文"],
        False,
        "online",
        20,
        [],
    ),
    (
        "FIN-101",
        "Finance for Non-Finance Managers",
        "非财务经理的财务管理",
        "finance",
        ["finance", "budget", "财务", "预算"],
        False,
        "in_person",
        8,
        [],
    ),
    (
        "PM-101",
        "Project Management Fundamentals",
        "项目管理基础",
        "project management",
        ["project", "planning", "项目管理", "计划"],
        False,
        "in_person",
        16,
        [],
    ),
    (
        "PM-201",
        "Agile and Scrum in Practice",
        "敏捷与Scrum实践",
        "project management",
        ["agile", "scrum", "敏捷", "项目管理"],
        False,
        "online",
        8,
        ["PM-101"],
    ),
    (
        "SW-101",
        "Git and Code Review",
        "Git与代码评审",
        "software",
        ["git", "code review", "版本控制", "代码评审"],
        False,
        "online",
        4,
        [],
    ),
    (
        "SW-201",
        "Cloud Architecture Basics",
        "云架构基础",
        "software",
        ["cloud", "architecture", "aws", "云计算", "架构"],
        False,
        "in_person",
        16,
        [],
    ),
    (
        "HR-101",
        "Interviewing and Hiring Well",
        "结构化面试与招聘",
        "hr",
        ["interview", "hiring", "recruitment", "面试", "招聘"],
        False,
        "in_person",
        6,
        [],
    ),
    (
        "WB-101",
        "Stress Management and Well-being",
        "压力管理与身心健康",
        "well-being",
        ["stress", "wellbeing", "mental health", "压力", "健康"],
        False,
        "online",
        3,
        [],
    ),
]


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _next_month(today: date, day: int) -> date:
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return first + timedelta(days=day - 1)


def _monday_after(d: date, weeks: int) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7 or 7) + timedelta(weeks=weeks - 1)


def is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Employee)) or 0) == 0


def seed_if_empty(session: Session, today: date | None = None) -> bool:
    """Seed the demo organisation when there are no employees; returns whether it seeded."""
    if not is_empty(session):
        session.rollback()
        return False
    seed(session, today or date.today())
    session.commit()
    return True


def seed(session: Session, today: date) -> None:
    from personnel.app.services.calendar_publish import ensure_shipped

    system = Actor(None, "seed")
    ensure_shipped(session)
    policies = {}
    for code, en, zh, method, fixed, extra, sick, personal, backdate, hours in POLICIES:
        policies[code] = LeavePolicy(
            code=code,
            name_en=en,
            name_zh=zh,
            annual_method=method,
            annual_fixed_days=fixed,
            annual_extra_days=extra,
            sick_days=sick,
            personal_days=personal,
            backdate_limit_days=backdate,
            training_hours_required=hours,
        )
    session.add_all(policies.values())
    for code, en, zh, paid, needs, mx in LEAVE_TYPES:
        session.add(
            LeaveType(
                code=code,
                name_en=en,
                name_zh=zh,
                is_paid=paid,
                needs_balance=needs,
                max_days_per_application=mx,
            )
        )
    depts = {}
    for code, en, zh, cal, pol in DEPARTMENTS:
        depts[code] = Department(code=code, name_en=en, name_zh=zh, calendar=cal, leave_policy=policies[pol])
    session.add_all(depts.values())
    session.flush()

    people: list[Employee] = []
    for eid, en, zh, dept, pos, grade, mgr, hire, first, lang, hr in KEY_PEOPLE:
        people.append(
            _employee(eid, en, zh, depts[dept], pos, grade, mgr, _d(hire), _d(first), lang, hr, len(people))
        )
    n = 12
    us = 0
    for dept, count in HEADCOUNT:
        for k in range(count):
            eid = f"E{1000 + n}"
            n += 1
            while eid in {p.id for p in people}:
                eid = f"E{1000 + n}"
                n += 1
            if dept == "USO":
                en, zh = US_NAMES[us % len(US_NAMES)]
                us += 1
                lang = "en"
            else:
                s_en, s_zh = SURNAMES[(n * 7) % len(SURNAMES)]
                g_en, g_zh = GIVEN[(n * 5 + k) % len(GIVEN)]
                en, zh = f"{g_en} {s_en}", f"{s_zh}{g_zh}"
                lang = "zh" if n % 4 else "en"
            pos, grade = POSITIONS[dept][k % len(POSITIONS[dept])]
            hire = date(2012 + (n * 3) % 14, 1 + (n * 5) % 12, 1 + (n * 11) % 27)
            first = hire - timedelta(days=365 * ((n * 7) % 12))
            people.append(
                _employee(
                    eid, en, zh, depts[dept], pos, grade, HEADS[dept], hire, first, lang, False, len(people)
                )
            )
    emails: set[str] = set()
    for p in people:
        base = p.email
        i = 2
        while p.email in emails:
            p.email = base.replace("@", f"{i}@")
            i += 1
        emails.add(p.email)
    # managers first so the self-referencing foreign key is always satisfied
    by_id = {p.id: p for p in people}
    for p in sorted(people, key=lambda e: _depth(e, by_id)):
        session.add(p)
        session.flush()
    for code, head in HEADS.items():
        depts[code].head_id = head
    people_by_id = by_id
    session.flush()

    for i, p in enumerate(people):
        _records(session, p, i)
    session.flush()

    for year in (today.year, today.year + 1):
        generate_allocations(session, system, year)

    _leave(session, today, people_by_id)
    _training(session, today, people)
    session.add(
        HRCase(
            subject="公积金提取需要哪些材料？",
            transcript="user: 我想提取住房公积金，需要准备什么材料？\nbot: 我帮您转给HR同事处理。",
            status="open",
            employee_id="E1001",
            channel="web",
            language="zh",
            assignee_id="E1003",
        )
    )
    session.add(
        HRCase(
            subject="Concern about team behaviour (anonymous)",
            transcript="user: I'd like to report something anonymously.",
            status="in_progress",
            employee_id=None,
            channel="web",
            language="en",
            assignee_id="E1006",
        )
    )
    session.flush()


def _depth(e: Employee, by_id: dict[str, Employee]) -> int:
    depth, cur, seen = 0, e, set()
    while cur.manager_id and cur.manager_id in by_id and cur.id not in seen:
        seen.add(cur.id)
        cur = by_id[cur.manager_id]
        depth += 1
    return depth


def _employee(
    eid: str,
    en: str,
    zh: str,
    dept: Department,
    pos: str,
    grade: str,
    mgr: str | None,
    hire: date,
    first: date,
    lang: str,
    hr: bool,
    i: int,
) -> Employee:
    first_name, _, last = en.partition(" ")
    years_left = 3 - (i % 3)
    return Employee(
        id=eid,
        name_en=en,
        name_zh=zh,
        email=f"{first_name}.{last}@example.com".lower().replace(" ", ""),
        department_id=dept.id,
        position=pos,
        grade=grade,
        manager_id=mgr,
        hire_date=hire,
        first_employment_date=first,
        employment_type="intern" if pos == "Intern" else "full_time",
        contract_end=None
        if hire.year < 2016
        else date(2027, 1 + i % 12, 1) + timedelta(days=365 * (years_left - 1)),
        preferred_language=lang,
        status="active",
        is_hr_admin=hr,
        national_id=(
            f"3101{(i * 37) % 100:02d}19{80 + i % 20}{1 + i % 12:02d}{1 + i % 28:02d}{(i * 7919) % 10000:04d}"
        ),
        home_address=(
            f"{100 + i * 3} Main Street, Palo Alto, CA"
            if dept.code == "USO"
            else f"上海市浦东新区张杨路{100 + i * 7}号{1 + i % 20}0{1 + i % 4}室"
        ),
        salary=Decimal(8000 + (i * 1373) % 40000) if dept.code != "USO" else Decimal(6000 + (i * 911) % 9000),
    )


def _records(session: Session, p: Employee, i: int) -> None:
    dept_code = p.department.code if p.department else None
    if i % 3 == 0 and p.hire_date.year < 2022:
        promoted = date(p.hire_date.year + 2, p.hire_date.month, 1)
        session.add(
            JobHistory(
                employee_id=p.id,
                from_date=p.hire_date,
                to_date=promoted - timedelta(days=1),
                change_type="hire",
                department_code=dept_code,
                position="Associate " + p.position,
                grade="P2",
                note="joined",
            )
        )
        session.add(
            JobHistory(
                employee_id=p.id,
                from_date=promoted,
                change_type="promotion",
                department_code=dept_code,
                position=p.position,
                grade=p.grade,
                note="annual promotion cycle",
            )
        )
    else:
        session.add(
            JobHistory(
                employee_id=p.id,
                from_date=p.hire_date,
                change_type="hire",
                department_code=dept_code,
                position=p.position,
                grade=p.grade,
                note="joined",
            )
        )
    open_ended = p.contract_end is None
    start = p.hire_date if open_ended else p.contract_end - timedelta(days=3 * 365)  # type: ignore[operator]
    session.add(
        Contract(
            employee_id=p.id,
            contract_type="open_ended" if open_ended else "fixed_term",
            start_date=max(start, p.hire_date),
            end_date=p.contract_end,
            probation_end=p.hire_date + timedelta(days=180) if p.hire_date.year >= 2025 else None,
            weekly_hours=40,
            status="active",
        )
    )


def _leave(session: Session, today: date, people: dict[str, Employee]) -> None:
    types = {lt.code: lt for lt in session.scalars(select(LeaveType))}
    y = today.year

    def add(
        eid: str,
        code: str,
        start: date,
        end: date,
        status: str,
        half: str | None = None,
        reason: str | None = None,
    ) -> None:
        emp = people[eid]
        days = count_leave_days(employee_calendar(emp), start, end, half).total
        decided = status in ("approved", "rejected")
        session.add(
            LeaveApplication(
                employee_id=eid,
                leave_type_id=types[code].id,
                from_date=start,
                to_date=end,
                half_day=half,
                working_days=days,
                reason=reason,
                status=status,
                approver_id=emp.manager_id,
                decided_by=emp.manager_id if decided else None,
                channel="web",
            )
        )

    add("E1001", "annual", date(y, 5, 6), date(y, 5, 8), "approved", reason="家庭旅行")
    add("E1001", "sick", date(y, 3, 16), date(y, 3, 16), "approved", half="am", reason="看医生")
    add("E1003", "annual", date(y, 8, 10), date(y, 8, 12), "approved")
    add("E1004", "annual", date(y, 7, 20), date(y, 7, 24), "approved")
    nxt = _monday_after(today, 2)
    add("E1013", "annual", nxt, nxt + timedelta(days=1), "open", reason="Family visit")
    add("E1014", "personal", nxt + timedelta(days=3), nxt + timedelta(days=3), "open", reason="搬家")
    add("E1005", "annual", nxt + timedelta(days=1), nxt + timedelta(days=2), "open", reason="回老家")
    add(
        "E1007",
        "annual",
        _monday_after(today, 3),
        _monday_after(today, 3) + timedelta(days=4),
        "open",
        reason="Holiday trip",
    )
    add("E1015", "annual", date(y, 6, 8), date(y, 6, 9), "rejected", reason="Conference")
    session.flush()


def _training(session: Session, today: date, people: list[Employee]) -> None:
    courses: dict[str, Course] = {}
    for code, en, zh, cat, kws, mand, delivery, hours, _pre in COURSES:
        courses[code] = Course(
            code=code,
            title_en=en,
            title_zh=zh,
            category=cat,
            keywords=kws,
            mandatory=mand,
            delivery=delivery,
            hours=hours,
            description_en=f"{en}: {cat} course, {hours} hours.",
            description_zh=f"{zh}（{hours}学时）",
        )
    session.add_all(courses.values())
    session.flush()
    for code, *_rest, pre in COURSES:
        for p in pre:
            session.add(CoursePrerequisite(course_id=courses[code].id, prerequisite_id=courses[p].id))

    def sess(
        code: str, start: date, days: int, place: str, cap: int, waitlist: bool = True
    ) -> TrainingSession:
        ts = TrainingSession(
            course_id=courses[code].id,
            start_date=start,
            end_date=start + timedelta(days=days - 1),
            place=place,
            capacity=cap,
            enrolment_deadline=start - timedelta(days=3),
            waitlist_enabled=waitlist,
        )
        session.add(ts)
        session.flush()
        return ts

    y = today.year
    # past sessions, for training history and progress
    past_sec = sess("COMP-001", date(y, 3, 10), 1, "Online (Zoom)", 200)
    past_da = sess("DA-101", date(y, 6, 2), 1, "Shanghai HQ, Room 501", 20)
    past_ld = sess("LD-101", date(y, 4, 13), 2, "Shanghai HQ, Training Centre", 12)
    # upcoming: data analysis next month, plus the rest
    sess("DA-101", _next_month(today, 8), 1, "Shanghai HQ, Room 501", 20)
    sess("DA-102", _next_month(today, 14), 3, "Online (Teams)", 25)
    nearly_full = sess("DA-103", _next_month(today, 10), 1, "Shanghai HQ, Room 502", 10)
    sess("DA-201", _next_month(today, 16), 2, "Online (Teams)", 30)
    one_seat = sess("SW-101", today + timedelta(days=10), 1, "Shanghai HQ, Room 301 (1 seat)", 1)
    no_waitlist = sess("FIN-101", today + timedelta(days=12), 1, "Shanghai HQ, Board Room", 2, waitlist=False)
    sess("LD-101", today + timedelta(days=21), 2, "Shanghai HQ, Training Centre", 12)
    sess("LD-201", today + timedelta(days=35), 1, "Shanghai HQ, Training Centre", 12)
    privacy = sess("COMP-003", today + timedelta(days=9), 1, "Online (Zoom)", 300)
    sess("COMP-002", today + timedelta(days=16), 1, "Online (Zoom)", 300)
    sess("SAFE-001", today + timedelta(days=11), 1, "Shanghai HQ, Lobby", 60)
    sess("COM-101", today + timedelta(days=18), 1, "Shanghai HQ, Room 402", 16)
    sess("COM-102", today + timedelta(days=25), 1, "Shanghai HQ, Room 402", 16)
    sess("LANG-101", today + timedelta(days=14), 5, "Online (Teams)", 40)
    sess("PM-101", today + timedelta(days=28), 2, "Shanghai HQ, Room 601", 20)
    sess("PM-201", today + timedelta(days=49), 1, "Online (Teams)", 20)
    sess("SW-201", today + timedelta(days=42), 2, "Shanghai HQ, Room 301", 15)
    sess("HR-101", today + timedelta(days=20), 1, "Shanghai HQ, Room 203", 10)
    sess("WB-101", today + timedelta(days=8), 1, "Online (Zoom)", 50)
    session.flush()

    def enrol(ts: TrainingSession, eid: str, status: str) -> None:
        session.add(Enrolment(session_id=ts.id, employee_id=eid, status=status))

    ids = [p.id for p in people]
    for eid in ids[:40]:
        enrol(past_sec, eid, "completed")
    for eid in ("E1001", "E1013", "E1016"):
        enrol(past_da, eid, "completed")
    for eid in ("E1002", "E1004", "E1009"):
        enrol(past_ld, eid, "completed")
    for eid in [i for i in ids if i not in ("E1001", "E1002", "E1003")][:9]:
        enrol(nearly_full, eid, "enrolled")
    enrol(privacy, "E1001", "enrolled")
    enrol(privacy, "E1002", "enrolled")
    _ = (one_seat, no_waitlist)  # left empty on purpose: tests fill them
    session.flush()
