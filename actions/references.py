"""Which of the user's records a message names: by number, by date, by type or by (part of) a name.

People rarely type a request number. They say "cancel the leave I booked on December 22", "is my
leave for the 18th approved?", "take me off the Python course", "Python那门课不上了", "撤销12月22日
的年假". This module reads such references out of the text and picks the records they fit among
the ones the backend listed for this user; the actions then act on one match (asking first when it
changes data), offer several as a list, or say what exists when none fits.

A number counts as a record number only when written as one ("#12", "request 12", "申请12",
"第12号"). A number that could also be a day ("12号申请", a bare "12") is *ambiguous*: it is read
both ways and, when both readings fit a record, the user is asked which one was meant.

Nothing here decides what may be done with a record (the backend does); it only reads references.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from actions.dates import MONTHS, DateError, parse_leave_dates, parse_period

T = TypeVar("T")

_EXPLICIT_ID = re.compile(
    r"#\s*(\d{1,9})\b"
    r"|\b(?:request|application|req|no\.?|number|id)\s*#?\s*(\d{1,9})\b"
    r"|(?:申请|编号|单号|请假单|报名)\s*#?\s*(\d{1,9})(?!\s*[日号月])"
    r"|第\s*(\d{1,9})\s*[号条个]",
    re.I,
)
# "12号申请" / "12号的假" / a bare "12": a record number or the 12th?
_ZH_NUMBER_OR_DAY = re.compile(r"(?<![\d月/.-])(\d{1,2})\s*号(?=\s*(?:申请|请假|的|那|假|$))")
_BARE_NUMBER = re.compile(r"(?<![\w#/.:-])(\d{1,9})(?![\w/.:%-]|\s*[号日月天])")
_MONTH_BEFORE = re.compile(rf"\b(?:{'|'.join(MONTHS)})\.?\s*(?:the\s+)?$", re.I)
_DAY_AFTER = re.compile(rf"^\s*(?:st|nd|rd|th|of\b|(?:{'|'.join(MONTHS)})\b)", re.I)
#: a month named: a month's name, 月, a numeric month/day ("12/16", "12-16"), or month words
_MONTH_NAMED = re.compile(
    rf"(?<![A-Za-z])(?:{'|'.join(MONTHS)})(?![A-Za-z])|月|\d{{1,2}}\s*[/.-]\s*\d{{1,2}}|\bmonth\b", re.I
)
_LATIN_WORD = re.compile(r"[a-z][a-z0-9+#.-]*[a-z0-9+#]|[a-z]", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]+")
# Words that say nothing about which course is meant (function words, and the words for "course").
_NOT_A_NAME = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "my",
        "me",
        "i",
        "you",
        "please",
        "pls",
        "from",
        "off",
        "out",
        "course",
        "courses",
        "class",
        "classes",
        "training",
        "session",
        "sessions",
        "workshop",
        "programme",
        "program",
        "one",
        "that",
        "this",
        "it",
        "its",
        "thing",
    ]
)


@dataclass(frozen=True)
class Reference:
    """What a message says about the record it means."""

    ids: tuple[int, ...] = ()
    #: a number that may be a record number or a day of the month ("12号申请")
    ambiguous: int | None = None
    #: the date or range named, when there is one
    dates: tuple[date, date] | None = None
    #: whether the text gave the year (a year-less date may mean this year or last)
    year_given: bool = False
    #: whether the text gave the month ("the 14th-18th" may mean this month's days or next month's)
    month_given: bool = True
    #: words that may be part of a name (Latin words, and Chinese character pairs)
    words: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.ids or self.ambiguous is not None or self.dates or self.words)


def _name_words(text: str) -> frozenset[str]:
    latin = {w.lower().strip(".-") for w in _LATIN_WORD.findall(text)}
    latin = {w for w in latin if len(w) > 1 and w not in _NOT_A_NAME}
    pairs = {run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)}
    return frozenset(latin | pairs)


def _lone_number(text: str) -> int | None:
    """The one number of a message that names no date around it ("cancel 12"), if any."""
    numbers = list(_BARE_NUMBER.finditer(text))
    if len(numbers) != 1:
        return None
    m = numbers[0]
    if _MONTH_BEFORE.search(text[: m.start()]) or _DAY_AFTER.match(text[m.end() :]):
        return None  # "December 22", "22nd", "22 of March": a date
    return int(m.group(1))


def read_reference(text: str, today: date) -> Reference:
    """The record numbers, the date and the name words in a message (button payloads aside)."""
    text = text or ""
    ids = [int(next(g for g in m.groups() if g)) for m in _EXPLICIT_ID.finditer(text)]
    rest = _EXPLICIT_ID.sub(" ", text)
    ambiguous = None
    if m := _ZH_NUMBER_OR_DAY.search(rest):
        ambiguous = int(m.group(1))
    elif not ids and (lone := _lone_number(rest)) is not None:
        if lone > 31:  # cannot be a day
            ids.append(lone)
        else:
            ambiguous = lone
    dates = None
    if ambiguous is None:
        try:
            found = parse_leave_dates(rest, today)
            dates = (found.start, found.end)
        except DateError:
            dates = parse_period(rest, today)  # a month or a week: "my leave in December"
    return Reference(
        ids=tuple(dict.fromkeys(ids)),
        ambiguous=ambiguous,
        dates=dates,
        year_given=bool(re.search(r"\b20\d\d\b|20\d\d年|明年|今年|next year|this year", rest, re.I)),
        month_given=_MONTH_NAMED.search(rest) is not None,
        words=_name_words(rest),
    )


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    return date(year, month + 1, 28)


def overlapping(
    records: Sequence[T], span: tuple[date, date], period: Callable[[T], tuple[date, date]]
) -> list[T]:
    start, end = span
    return [r for r in records if period(r)[0] <= end and period(r)[1] >= start]


def by_date(ref: Reference, records: Sequence[T], period: Callable[[T], tuple[date, date]]) -> list[T]:
    """Records whose period overlaps the date named; a year-less date that fits nothing this way
    is tried a year earlier and later ("my leave on May 6" said in December means last May), and
    days named without their month the month after and before ("the 14th-18th" said on the 23rd)."""
    if ref.dates is None:
        return list(records)
    found = overlapping(records, ref.dates, period)
    if found or ref.year_given:
        return found
    for years in (-1, 1):
        shifted = (_shift_year(ref.dates[0], years), _shift_year(ref.dates[1], years))
        if found := overlapping(records, shifted, period):
            return found
    if not ref.month_given:
        # days without their month ("approve the one for the 14th-18th"): next month's, or last
        for months in (1, -1):
            shifted = (_shift_month(ref.dates[0], months), _shift_month(ref.dates[1], months))
            if found := overlapping(records, shifted, period):
                return found
    return []


def by_day_of_month(day: int, records: Sequence[T], period: Callable[[T], tuple[date, date]]) -> list[T]:
    """Records that include a day with this day of the month ("12号的假")."""
    out = []
    for r in records:
        start, end = period(r)
        days = range(start.toordinal(), min(end.toordinal(), start.toordinal() + 62) + 1)
        if any(date.fromordinal(o).day == day for o in days):
            out.append(r)
    return out


def by_name(ref: Reference, records: Sequence[T], names: Callable[[T], Iterable[str]]) -> list[T]:
    """Records whose name holds the most of the message's name words (none when no word fits).

    A word every record's name holds tells them apart no better than none, so it does not count.
    """
    if not ref.words or not records:
        return list(records)
    vocab = [_name_words(" ".join(names(r))) for r in records]
    common = frozenset.intersection(*vocab) if len(vocab) > 1 else frozenset()
    scores = [len((ref.words & v) - common) for v in vocab]
    best = max(scores)
    return [r for r, s in zip(records, scores, strict=True) if s == best] if best > 0 else []


@dataclass
class Resolution:
    """The records a reference fits. ``named`` says whether the message picked them at all (a
    number, a date, a kind or a name that fits); when it did not, ``matches`` is every record and
    the action should let the user choose. ``ask`` holds the two readings of a number that could be
    a record number or a day when both fit a record."""

    matches: list
    named: bool = False
    ask: tuple[list, list] | None = None


def resolve(
    ref: Reference,
    records: Sequence[T],
    *,
    record_id: Callable[[T], int],
    period: Callable[[T], tuple[date, date]] | None = None,
    names: Callable[[T], Iterable[str]] | None = None,
    kind_of: Callable[[T], str] | None = None,
    kind: str | None = None,
) -> Resolution:
    """The records among ``records`` that the reference (and a leave or record ``kind``) fits."""
    if ref.ids:
        return Resolution([r for r in records if record_id(r) in ref.ids], named=True)
    pool = [r for r in records if kind is None or kind_of is None or kind_of(r) == kind]
    if ref.ambiguous is not None:
        as_id = [r for r in records if record_id(r) == ref.ambiguous]
        as_day = by_day_of_month(ref.ambiguous, pool, period) if period else []
        if as_id and as_day and as_id != as_day:
            return Resolution([], named=True, ask=(as_id, as_day))
        return Resolution(as_id or as_day, named=True)
    found, named = pool, kind is not None and kind_of is not None
    if period is not None and ref.dates is not None:
        found, named = by_date(ref, found, period), True
    if names is not None and ref.words and (hits := by_name(ref, found, names)):
        found, named = hits, True
    return Resolution(found, named=named)
