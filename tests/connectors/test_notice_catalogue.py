"""Every kind of notice the backend can queue is worded in both languages, with its reason."""

from __future__ import annotations

import re

import pytest

from connectors.notify.catalogue import CATALOGUE, KIND_NAMES, render
from personnel.app.services.notifications import KINDS

PERSON = {"name_en": "Li Na", "name_zh": "李娜"}
PARAMS = {
    "leave_id": 12,
    "employee_id": "E1001",
    "employee": PERSON,
    "leave_type_en": "Annual leave",
    "leave_type_zh": "年假",
    "from_date": "2026-12-14",
    "to_date": "2026-12-16",
    "working_days": 3.0,
    "status": "rejected",
    "reason": "year-end release",
    "decided_by": {"name_en": "Zhou Jian", "name_zh": "周健"},
    "title_en": "Python for data analysis",
    "title_zh": "Python数据分析",
    "start_date": "2026-12-24",
    "end_date": "2026-12-24",
    "place": "Room 301",
    "year": 2026,
    "days_left": 4.5,
    "deadline": "2026-12-31",
    "required_hours": 24.0,
    "completed_hours": 8.0,
    "planned_hours": 4.0,
    "short_hours": 12.0,
    "end_date_contract": "2027-01-15",
    "position": "Engineer",
    "case_id": 4,
    "text": "Your certificate is ready at the HR desk.",
    "subject": "relocation allowance",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_kind_reads_whole_in_both_languages(kind: str, lang: str) -> None:
    assert kind in CATALOGUE and kind in KIND_NAMES
    r = render(kind, PARAMS, lang, optional=KINDS[kind].optional)
    for part in (r.title, r.body, r.reason):
        assert part.strip() and not re.search(r"[{}]", part), (kind, lang, part)
    has_han = bool(re.search(r"[\u4e00-\u9fff]", r.reason))
    assert has_han == (lang == "zh"), r.reason
    # a kind the employee may turn off says how; an HR reply to their own case does not
    assert (r.stop_hint is not None) == KINDS[kind].optional


def test_a_decision_names_the_period_the_decider_and_the_reason() -> None:
    en = render("leave_decided", PARAMS, "en").text
    assert "from Mon 14 Dec 2026 to Wed 16 Dec 2026" in en and "Zhou Jian" in en
    assert "rejected" in en and "Reason: year-end release" in en
    zh = render("leave_decided", PARAMS, "zh").text
    assert "2026年12月14日（周一）至2026年12月16日（周三）" in zh and "周健驳回" in zh
    assert "理由：year-end release" in zh and "不再提醒" in zh


def test_an_hr_reply_is_worded_in_the_language_of_the_case_and_says_when_hr_asks() -> None:
    reply = {"case_id": 4, "text": "请带上证明材料。", "lang": "zh", "ask": True}
    r = render("case_reply", reply, "en", optional=False)  # the employee's profile says English
    assert r.title == "HR 需要您补充信息（工单 #4）" and r.body == "请带上证明材料。"
    assert render("case_reply", {**reply, "ask": False, "lang": "en"}, "zh").title == "HR replied to case #4"
