"""The reason for a leave request, in the user's own words, from the message that asks for it.

People give the reason with the request ("Dec 2 to 3, visiting my parents", "下周三请一天年假，家里有点事",
"…, reason: 去日本玩") and do not expect to be asked for it again; the reason is optional, so the form
never asks. An explicit "reason: …" / "事由：…" / "because …" / "因为…" is taken as written; otherwise
the clauses of the message that are not the request itself (no date, no leave words, not a greeting,
not a question) are the reason. What the user wrote is kept verbatim: it goes to the manager, and
the preview shows it before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from actions.dates import REQUEST_WORDS, DateError, find_half_day, parse_leave_dates

#: at most this many characters reach the manager (the backend accepts 2000; a reason is a line)
MAX_REASON = 300

EXPLICIT = re.compile(
    r"(?:\breason\s*(?:is|:|：|-)|\bbecause(?: of)?\b|\bcause\b|\bcoz\b|\bdue to\b|事由|原因|理由|因为)"
    r"\s*[:：,，]?\s*(?P<reason>.+)$",
    re.I | re.S,
)
FILLER = re.compile(
    r"^(?:hi+|hey+|hello|yo|dear \w+|thanks?(?: you)?|thx|ty|pls|please|plz|ok(?:ay)?|lol|haha+|"
    r"sorry\b.*|sry|soz|"
    r"(?:nice|great|cool|awesome|alright|fine|sure|yes|yeah|yep|so|then|and)(?:\W+(?:then|so))?|"
    r"你好|您好|谢谢|多谢|麻烦了?|麻烦你了|嗯+|好的?|哈+|请问|不好意思|抱歉|对不起)$",
    re.I,
)
CLAUSE = re.compile(r"[^,，。.!！?？;；\n]+[,，。.!！?？;；\n]*")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_question(clause: str) -> bool:
    return clause.rstrip().endswith(("?", "？"))


def _names_a_date(clause: str, today: date) -> bool:
    if find_half_day(clause):
        return True
    try:
        parse_leave_dates(clause, today)
    except DateError as err:
        return err.reason != "unparsed"
    return True


def _has_content(clause: str) -> bool:
    """Two Chinese characters or three letters: "dentist" and "回家" are reasons, "38度5" is not."""
    return len(CJK.findall(clause)) >= 2 or len(re.findall(r"[A-Za-z]", clause)) >= 3


def _clauses(text: str) -> list[str]:
    """Clauses by punctuation; Chinese also separates them with spaces ("发烧了 请一天病假")."""
    parts = [m.group(0) for m in CLAUSE.finditer(text)]
    out: list[str] = []
    for part in parts:
        if CJK.search(part):
            pieces = re.split(r"(?<=[\u4e00-\u9fff\W])\s+(?=[\u4e00-\u9fff])", part)
            out += [p for p in pieces if p.strip()]
        else:
            out.append(part)
    return out


def _without_names(clause: str, type_names: Iterable[str]) -> str:
    """The clause without the leave types it names ("sick", "事假"): naming the type is no reason."""
    for name in sorted((n for n in type_names if n), key=len, reverse=True):
        clause = re.sub(re.escape(name), " ", clause, flags=re.I)
    return clause


def reason_in(text: str, today: date, type_names: Iterable[str] = ()) -> str | None:
    """The reason the message gives for the leave it asks for, or None if it gives none.
    ``type_names``: the backend's leave type names and codes, which answer "which type?", not why."""
    type_names = list(type_names)
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    explicit = EXPLICIT.search(text)
    if explicit:
        reason = explicit.group("reason").strip(" ,，.。")
        return reason[:MAX_REASON] if _has_content(reason) else None
    kept: list[str] = []
    for clause in _clauses(text):
        body = clause.strip().rstrip(",，。.!！;；").strip()
        if not body or _is_question(clause) or FILLER.match(body):
            continue
        rest = _without_names(body, type_names)
        if REQUEST_WORDS.search(body) or _names_a_date(body, today) or not _has_content(rest):
            continue
        kept.append(body)
    if not kept:
        return None
    joiner = "，" if CJK.search(text) else ", "
    return joiner.join(kept)[:MAX_REASON]
