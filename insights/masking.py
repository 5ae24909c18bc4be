"""Mask personal data in free text before it is stored for insights.

Questions are kept so curators can read what employees ask, but an id, a phone number, an e-mail
address, a national id or an amount of money in them says who asked or something personal about
them. Each is replaced by a bracketed placeholder (``[email]``, ``[phone]`` …) so the question still
reads naturally and questions that differ only in those details group together.

The patterns are for structured data (numbers and addresses); the order matters: a national id is
masked before the phone rule could take part of it.
"""

from __future__ import annotations

import re

_CURRENCY = r"(?:[$¥￥€£]|USD|CNY|RMB|HKD|EUR|GBP)"
_MONEY_WORDS = r"(?:元|块钱|块|万元|万|千元|dollars?|yuan|euros?|pounds?|bucks)"
_PAY = (
    r"(?:salary|pay|paid|wage|wages|income|earn|earns|earning|bonus|工资|薪水|薪资|月薪|年薪|收入|奖金|到手)"
)
_LINK = r"(?:is|of|was|are|about|around|:|：|是|为|有)"
_NUMBER = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

RULES: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    # PRC resident identity card: 17 digits and a digit or X; also 15-digit old cards
    ("[national id]", re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")),
    # US social security number
    ("[national id]", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("[phone]", re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")),
    ("[phone]", re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,5}(?!\d)")),
    ("[amount]", re.compile(rf"{_CURRENCY}\s?(?:{_NUMBER})\s?[kKwW万]?", re.IGNORECASE)),
    ("[amount]", re.compile(rf"(?:{_NUMBER})\s?[kKwW]?\s?{_MONEY_WORDS}", re.IGNORECASE)),
    (
        "[amount]",
        re.compile(rf"({_PAY}\s*{_LINK}?\s*)(?:{_NUMBER})", re.IGNORECASE),
    ),
    # employee, case or request numbers: letters followed by digits (E1001, HR-2025-001)
    ("[id]", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,4}-?\d{3,}(?:-\d+)*(?![A-Za-z0-9])")),
    # any other long number (bank account, badge, passport)
    ("[number]", re.compile(r"(?<!\d)\d{6,}(?!\d)")),
]


def mask(text: str) -> str:
    """The text with personal data replaced by placeholders."""
    out = text or ""
    for placeholder, pattern in RULES:
        if pattern.groups:
            out = pattern.sub(lambda m, p=placeholder: m.group(1) + p, out)
        else:
            out = pattern.sub(placeholder, out)
    return out
