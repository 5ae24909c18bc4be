"""Personal data in question texts is masked before it is stored for insights."""

from __future__ import annotations

import pytest

from insights.masking import mask


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("my email is li.lei@example.com, how many days of leave?", "li.lei@example.com", "[email]"),
        ("call me on 139 1234 5678 about my leave", "139 1234 5678", "[phone]"),
        ("我的手机号13912345678，年假几天", "13912345678", "[phone]"),
        ("my office line is +1 (555) 123-4567", "555) 123-4567", "[phone]"),
        ("身份证 11010519491231002X 丢了怎么办", "11010519491231002X", "[national id]"),
        ("my SSN 123-45-6789 is on the form", "123-45-6789", "[national id]"),
        ("I am E1001, can I carry over leave?", "E1001", "[id]"),
        ("工号E1001的年假还有几天", "E1001", "[id]"),
        ("my salary is 12000, is overtime paid?", "12000", "[amount]"),
        ("我月薪8000元，加班费怎么算", "8000", "[amount]"),
        ("can I claim $350.50 for the course?", "350.50", "[amount]"),
        ("refund me 5,000 yuan", "5,000", "[amount]"),
        ("bank account 6222021234567890123", "6222021234567890123", "[number]"),
    ],
)
def test_personal_data_is_replaced_by_a_placeholder(text: str, secret: str, placeholder: str) -> None:
    masked = mask(text)
    assert secret not in masked, masked
    assert placeholder in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "How many days of annual leave do I get after 12 years of service?",
        "工作满12年，年休假有几天？",
        "Can I take leave from 2026-12-01 to 2026-12-03?",
        "what is the deductible of the dental plan for 2026?",
    ],
)
def test_questions_without_personal_data_are_kept_as_asked(text: str) -> None:
    assert mask(text) == text
