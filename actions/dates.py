"""Free-text dates in English and Chinese for the leave form and course searches.

Users type dates the way they speak ("next Monday to Wednesday", "the 3rd to the 5th of March",
"明天下午", "下周一到周三", "3月5日到7日"). dateparser handles many single English/Chinese dates but
not ranges, not "下周一" or "3月5日", and it silently picks odd dates for "the 5th". So a small
grammar comes first: the text is split into a start and an end part, each part is read into partial
components (day, month, weekday, ...), the parts lend each other what they lack ("3月5日到7日": the
end takes the start's month) and only then become dates, relative to the user's today. dateparser
is the fallback for a part the grammar does not know.

Nothing here knows HR rules: whether a day is a working day is the backend's business.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import dateparser

__all__ = [
    "REQUEST_WORDS",
    "DateError",
    "DateRange",
    "find_half_day",
    "format_date",
    "format_period",
    "parse_leave_dates",
    "parse_period",
]


class DateError(ValueError):
    """The text names a date that cannot exist or a range that ends before it starts.

    ``reason`` is one of ``invalid`` (e.g. 30 February), ``end_before_start`` or ``unparsed``;
    for ``invalid``, ``ymd`` is the (year, month, day) that does not exist, so that the reply can
    say why ("April has only 30 days").
    """

    def __init__(self, reason: str, text: str = "", ymd: tuple[int | None, int, int] | None = None) -> None:
        super().__init__(f"{reason}: {text}")
        self.reason = reason
        self.text = text
        self.ymd = ymd


@dataclass(frozen=True)
class DateRange:
    """A leave range. ``half_day`` ("am"/"pm"): the text said morning/afternoon for the single day
    or the first day of the range; ``end_half_day``: it said so for the last day of a range."""

    start: date
    end: date
    half_day: str | None = None
    end_half_day: str | None = None
    days: int | None = None  # "3 days from Monday": the number of days asked for, if it was given


@dataclass(frozen=True)
class _Part:
    """What one side of a range says, before it is turned into a date."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None  # Monday = 0
    week_offset: int | None = None  # this week 0, next week 1, last week -1
    fixed: date | None = None  # already a date (relative word, ISO date, dateparser)

    def empty(self) -> bool:
        return self == _Part()


MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
WEEKDAYS_EN = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
WEEKDAYS_ZH = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
RELATIVE_EN = {
    "day after tomorrow": 2,
    "tomorrow": 1,
    "today": 0,
    "yesterday": -1,
    "tmr": 1,
    "tmrw": 1,
    # a part of today ("this afternoon", "this after noon", "tonight"): today, the half day aside
    r"this (?:morning|after\s?noon)": 0,
}
RELATIVE_ZH = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0, "昨天": -1, "前天": -2}
ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS_EN, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

RE_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
# 12/24, 24/12, 1.19, 19/1/2027: month/day unless the first number cannot be a month
RE_NUMERIC = re.compile(
    r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/.])(?!\s*(?:天|小时|days?|hours?|h\b))"
)
RE_YEAR_WORD = re.compile(r"明年|后年|今年|next year|this year")
RE_NEXT_MONTH_DAY = re.compile(r"(?:下个?月|next month(?: on)?(?: the)?)\s*(\d{1,2})")
RE_ZH_MD = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月份?)?(\d{1,2})(?:[日号]|$)")
RE_ZH_WEEKDAY = re.compile(r"(下下个?|下个?|上个?|本|这个?|今)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
RE_EN_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s*(?:of\s+)?({_MONTH_NAMES})\b\.?(?:,?\s*(\d{{4}}))?")
RE_EN_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\b\.?\s*(?:the\s+)?(\d{{1,2}}){_ORD}\b(?:,?\s*(\d{{4}}))?")
RE_EN_MONTH_ONLY = re.compile(rf"\b(?:of\s+)?({_MONTH_NAMES})\b(?:\s+(\d{{4}}))?")
#: English words are edged by letters, not by \b: "下周mon" has a weekday (周 is a word character)
RE_EN_WEEKDAY = re.compile(rf"(?<![a-z])(?:(next|this|coming|last)\s+)?({_WEEKDAY_NAMES})(?![a-z])")
#: the last day of a month named in words ("the last day of this month", "下个月最后一天", "12月的最后一天")
RE_LAST_DAY = re.compile(
    rf"\blast day of (?:the )?(?:(this|next) month|({_MONTH_NAMES})\b)"
    r"|(?:(本|这个?|下个?)月|(\d{1,2})月份?)的?最后一天"
)
RE_EN_DAY = re.compile(r"\b(?:the\s+)?(\d{1,2})(st|nd|rd|th)\b|^\s*(?:the\s+)?(\d{1,2})\s*$")
RE_RANGE_SPLIT = re.compile(
    r"\s*(?:\bto\b|\buntil\b|\btill?\b|\bthrough\b|\bthru\b|\band\b|&|\+|–|—|~|～|到|至|和|跟|、|-"
    r"|(?<=[a-z])/(?=(?:" + _WEEKDAY_NAMES + r")(?![a-z]))"  # "mon/tue"
    r"|(?<=[一二三四五六日天])/(?=(?:周|星期|礼拜)[一二三四五六日天])"  # "周一/周二"
    r"|,(?!\s*\d{3,4}\b)"  # "Dec 2, 3" but not "Dec 2, 2026"
    r"|(?<=[号日])(?=\s*\d{1,2}\s*[号日])"  # "2号3号"
    r"|(?<=[周期拜][一二三四五六日天])(?=(?:周|星期|礼拜)[一二三四五六日天]))\s*"  # "周三周四"
)
#: a number that starts the end of a range and is a day, not a length or a time ("18 please", not
#: "18 days" or "5 pm")
RE_BARE_DAY_FIRST = re.compile(
    r"(\d{1,2})\b(?![/.:]\d)(?!\s*(?:天|小时|个|周|%|days?\b|hours?\b|weeks?\b|months?\b|h\b|[ap]\.?m\b))"
)
#: "the 3rd, not the 2nd", "3号，不是2号": what follows is the date being replaced
RE_NEGATED = re.compile(r"(?:not|instead of|rather than|but not)\b|不是|而不是|不要")
#: separators that list days ("Mon, Tue and Wed", "2号、3号、4号"): the range ends at the last one
RE_LIST_SPLIT = re.compile(r"\s*(?:\band\b|&|\+|、|和|,(?!\s*\d{3,4}\b))\s*")

HALF_AM = re.compile(r"上午|早上|上半天|\bmorning\b|\ba\.?m\.?(?!\w)", re.I)
HALF_PM = re.compile(r"下午|下半天|\bafter\s?noon\b|\bp\.?m\.?(?!\w)", re.I)


def find_half_day(text: str) -> str | None:
    """ "am"/"pm" when the text names a morning or an afternoon (上午/下午), else None."""
    am, pm = HALF_AM.search(text or ""), HALF_PM.search(text or "")
    if am and not pm:
        return "am"
    if pm and not am:
        return "pm"
    return None


def _zh_number(chars: str) -> int:
    """Chinese numerals up to 99 (一, 十二, 二十五, 三十一)."""
    if "十" in chars:
        tens, _, units = chars.partition("十")
        return (ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (ZH_DIGITS.get(units, 0) if units else 0)
    value = 0
    for ch in chars:
        value = value * 10 + ZH_DIGITS[ch]
    return value


RE_WEEKDAY_COMMA = re.compile(
    rf"((?<![a-z])(?:{_WEEKDAY_NAMES})|(?:周|星期|礼拜)[一二三四五六日天])\s*,\s*"
    rf"(?=(?:{_MONTH_NAMES})(?![a-z])\.?\s*\d|\d{{1,2}}(?:{_ORD}\s*(?:of\s+)?(?:{_MONTH_NAMES})(?![a-z])|\s*月|/\d))"
)


def _normalise(text: str) -> str:
    """Lower case, ASCII digits, Chinese numerals before 月/日/号 as digits, ISO dates with '/'."""
    text = (text or "").strip().lower()
    text = text.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    text = text.replace("，", ",").replace("。", ";").replace("－", "-")
    text = re.sub(r"([零〇一二两三四五六七八九十]+)(?=[月日号])", lambda m: str(_zh_number(m.group(1))), text)
    # a weekday written before its date ("Monday, Dec 7", "周一，12月7号") is one day, not two
    text = RE_WEEKDAY_COMMA.sub(r"\1 ", text)
    # ISO dates contain '-', which also separates ranges: protect them first.
    text = re.sub(r"(\d{4})-(\d{1,2})-(\d{1,2})", r"\1/\2/\3", text)
    return text


def _strip_range_words(text: str) -> str:
    text = re.sub(r"^\s*(?:from|between|从|自)\s*", "", text)
    return re.sub(r"\s*(?:为止|结束|止)\s*$", "", text)


#: where a sentence ends (not a decimal point or a dotted date: "1.5 days", "12.22")
RE_SENTENCE_END = re.compile(r"[!！?？;；。\n]+|\.(?!\d)")
#: where a clause ends inside a sentence: a comma (not "Dec 2, 2026"), or a space before Chinese
#: ("gave birth yesterday 🎉 想请陪产假")
RE_CLAUSE_END = re.compile(r",(?!\s*\d{3,4}\b)|，|(?<=[\u4e00-\u9fff\W])\s+(?=[\u4e00-\u9fff])")
#: a clause that asks for, names, sizes or changes the leave (the request itself, not the story around it);
#: actions.reasons keeps the other clauses as the reason
REQUEST_WORDS = re.compile(
    r"\b(?:leave|off|vacation|vacay|pto|holiday|apply|book|submit|put (?:me|it) (?:in|down)|put in|"
    r"request|annual|half|full|whole|days? off)\b|"
    r"\b(?:won'?t|can'?t|cannot|not)\s+(?:be (?:in|coming)|make it|come in|coming in)\b|"
    r"来不了|去不了|上不了班|"
    r"\b(?:make|change|move|switch)\s+(?:it|that|them)\b|改成|改为|换成|改到|"
    r"\b(?:take|have|get|book|need|want|like)\b.{0,30}\b(?:day|days|break|rest)\b|"
    r"假|申请|帮我请|请.{0,3}[天假]|[一二两三四五六七八九十半全整\d]+\s*天",
    re.I,
)


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    sentence: int
    dated: bool  # names a day or a part of one
    past: bool
    request: bool
    short: bool  # a few words: days listed before the request, not a story of its own


def _clauses(text: str, today: date) -> list[_Clause]:
    """The message's clauses with their place in it, and what each says about dates."""
    clauses: list[_Clause] = []
    sentence_start = 0
    sentence_ends = [*RE_SENTENCE_END.finditer(text), None]
    for number, end in enumerate(sentence_ends):
        sentence_end = end.start() if end else len(text)
        start = sentence_start
        bounds = [m for m in RE_CLAUSE_END.finditer(text, sentence_start, sentence_end)]
        for stop in [*(m.start() for m in bounds), sentence_end]:
            body = _normalise(text[start:stop])
            if body:
                dated = not _read_part(body, today).empty() or find_half_day(body) is not None
                past = RE_PAST.search(body) is not None
                request = bool(REQUEST_WORDS.search(body))
                short = (
                    len(re.findall(r"[a-z]+|\d+", body)) <= 5
                    and len(re.findall(r"[\u4e00-\u9fff]", body)) <= 5
                )
                clauses.append(_Clause(start, stop, number, dated, past, request, short))
            nxt = next((m.end() for m in bounds if m.start() == stop), stop)
            start = nxt
        sentence_start = end.end() if end else len(text)
    return clauses


def _request_part(text: str, today: date) -> str:
    """The message without the days and times of day its story mentions, when it also asks for
    leave on others: "My wife gave birth yesterday, 想请陪产假, from 下周一 to 12月11号" is from 下周一;
    "hope your Monday's going ok … so I need Friday off" is Friday; "my dad passed away early this
    morning … I'm flying out the day after tomorrow … can you put in leave for Wed to Fri?" is Wed
    to Fri, a whole-day request; "我昨天晚上开始发烧…今天早上去医院看了…想今天跟明天请病假" is today
    and tomorrow.

    A clause that names a day is the story when it speaks of the past (and is not itself the
    request) while another clause names a day that is not past, or when it comes before a clause
    that asks for leave on a day and is not one of the short dated clauses just before it in its
    sentence ("can I take Monday, Dec 2 to Wednesday, Dec 4 off" stays whole). A message with one
    dated clause is left as it is."""
    clauses = _clauses(text, today)
    dated = [c for c in clauses if c.dated]
    if len(dated) < 2:
        return text
    story: set[_Clause] = set()
    if any(not c.past for c in dated):
        story |= {c for c in dated if c.past and not c.request}
    asking = next((c for c in dated if c.request and c not in story), None)
    if asking is not None:
        # the dated clauses just before the request, in its sentence, belong to it
        joined = asking
        for c in reversed(clauses[: clauses.index(asking)]):
            if c.sentence != asking.sentence or not c.dated or c in story or not c.short:
                break
            joined = c
        story |= {c for c in dated if c.start < joined.start}
    if not story:
        return text
    kept, last = [], 0
    for c in sorted(story, key=lambda c: c.start):
        kept.append(text[last : c.start])
        last = c.end
    kept.append(text[last:])
    return " ".join(part for part in kept if part.strip())


def _range_sides(text: str, today: date) -> tuple[list[str], list[_Part]]:
    """The two sides of a range and what each says, or one side for a single date.

    A sentence has other "to"s and "-"s besides the range's ("I want to take Dec 2 to Dec 3 off",
    "I'd like to request 2-3 Dec"), so every separator is tried in turn and the first one with a
    date on both sides is the range; a bare number just before it is a day ("2-3 Dec"), and so is
    one just after it when the start is a day ("Dec 17 to 18 please").
    """
    text = _strip_range_words(_normalise(text))
    for sep in RE_RANGE_SPLIT.finditer(text):
        left, right = text[: sep.start()].strip(), text[sep.end() :].strip()
        if not left or not right or RE_NEGATED.match(right):
            continue
        left = _last_clause(left, today)
        start_part = _read_part(left, today)
        right = _without_story(right)
        end_part = _read_listed(right, today, start_part)
        if end_part.empty() and start_part.day is not None and (after := RE_BARE_DAY_FIRST.match(right)):
            end_part = _Part(day=int(after.group(1)))
        if end_part.empty():
            continue
        bare = re.search(r"(?<![\d.])(\d{1,2})$", left)
        if start_part.empty() and bare and (end_part.day is not None or end_part.month is not None):
            start_part = _Part(day=int(bare.group(1)))
        if _names_a_day(start_part):
            for item in RE_LIST_SPLIT.split(right)[1:]:  # "Mon, Tue, Wed": the last day listed
                if (
                    RE_NEGATED.match(item)
                    or not _just_a_day(item)
                    or (later := _read_listed(item, today, start_part)).empty()
                ):
                    break
                right, end_part = item, later
            return [left, right], [start_part, end_part]
    return [text], [_read_part(text, today)]


def _last_clause(text: str, today: date) -> str:
    """The side before a range's separator from its last clause on, when that clause names a day:
    "got a client call the morning of the 22nd. make it 12/22 from the afternoon thru 12/24" starts
    on the afternoon of 12/22, not the morning of the 22nd."""
    ends = [*RE_SENTENCE_END.finditer(text), *RE_CLAUSE_END.finditer(text)]
    if not ends:
        return text
    tail = text[max(m.end() for m in ends) :].strip()
    return tail if tail and not _read_part(tail, today).empty() else text


def _names_a_day(part: _Part) -> bool:
    """Whether a range's start names a day, not only a month or a week ("just do the december
    part then, 28th to 31st": the range is "28th to 31st", not "december … to 28th")."""
    return part.day is not None or part.weekday is not None or part.fixed is not None


def _without_story(text: str) -> str:
    """The side of a range up to the next clause when what follows is the user's story, not more
    days: "24, visiting my folks" -> "24", "18号吧，15号周二要开会" -> "18号吧"; "3, 4" stays."""
    clause, *rest = re.split(r"[,，;；.。!！?？]", text, maxsplit=1)
    if not rest or not clause.strip():
        return text
    if all(_just_a_day(item) for item in RE_LIST_SPLIT.split(rest[0].strip()) if item):
        return text
    return clause.strip()


def _just_a_day(item: str) -> bool:
    """A listed item that is a day and little else ("Wed", "Friday the 4th", "3号"); a clause that
    mentions a day in passing ("we have a release on Monday the 14th") does not extend the list."""
    words = re.findall(r"[A-Za-z]+|\d+", item)
    cjk = re.findall(r"[\u4e00-\u9fff]", item)
    return len(words) <= 3 and len(cjk) <= 5


def _read_listed(text: str, today: date, first: _Part) -> _Part:
    """A later side of a range or list, which may say only the weekday's number ("周一、二、三")."""
    part = _read_part(text, today)
    if part.empty() and first.weekday is not None and (m := re.fullmatch(r"([一二三四五六日天])", text)):
        return _Part(weekday=WEEKDAYS_ZH[m.group(1)])
    return part


def _year_word(text: str, today: date) -> int | None:
    """The year named in words ("明年", "next year"), if any."""
    m = RE_YEAR_WORD.search(text)
    if not m:
        return None
    word = m.group(0)
    return today.year + (2 if word == "后年" else 1 if word in ("明年", "next year") else 0)


def _read_part(text: str, today: date) -> _Part:
    """Read one side of a range into its components (no date arithmetic yet)."""
    part = _read_components(text, today)
    year = _year_word(text, today)
    if year is not None and part.month is not None and part.year is None:
        part = replace(part, year=year)
    return part


def _read_components(text: str, today: date) -> _Part:
    for word, days in RELATIVE_ZH.items():
        if word in text:
            return _Part(fixed=today + timedelta(days=days))
    for word, days in RELATIVE_EN.items():
        if re.search(rf"\b{word}\b", text):
            return _Part(fixed=today + timedelta(days=days))
    if m := RE_ISO.search(text):
        return _Part(year=int(m.group(1)), month=int(m.group(2)), day=int(m.group(3)))
    if m := RE_LAST_DAY.search(text):
        return _last_day(m, today)
    if m := RE_NEXT_MONTH_DAY.search(text):
        nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return _Part(year=nxt.year, month=nxt.month, day=int(m.group(1)))
    if m := RE_NUMERIC.search(text):
        first, second = int(m.group(1)), int(m.group(2))
        month, day = (second, first) if first > 12 >= second else (first, second)
        year = m.group(3)
        return _Part(
            year=(int(year) + 2000 if len(year) == 2 else int(year)) if year else None, month=month, day=day
        )
    if m := RE_ZH_WEEKDAY.search(text):
        day = RE_ZH_MD.search(RE_ZH_WEEKDAY.sub(" ", text))
        if day and day.group(0)[-1] in "日号":  # "12月9号周三", "周三9号": the date, with its weekday
            return _Part(
                year=int(day.group(1)) if day.group(1) else None,
                month=int(day.group(2)) if day.group(2) else None,
                day=int(day.group(3)),
                weekday=None if day.group(2) else WEEKDAYS_ZH[m.group(2)],
            )
        prefix = m.group(1) or ""
        offset = (
            2
            if prefix.startswith("下下")
            else 1
            if prefix.startswith("下")
            else (-1 if prefix.startswith("上") else 0 if prefix else None)
        )
        return _Part(weekday=WEEKDAYS_ZH[m.group(2)], week_offset=offset)
    if (m := RE_ZH_MD.search(text)) and ("月" in text or "日" in text or "号" in text):
        return _Part(
            year=int(m.group(1)) if m.group(1) else None,
            month=int(m.group(2)) if m.group(2) else None,
            day=int(m.group(3)),
        )
    if m := RE_EN_DAY_MONTH.search(text):
        return _Part(
            year=int(m.group(3)) if m.group(3) else None, month=MONTHS[m.group(2)], day=int(m.group(1))
        )
    if m := RE_EN_MONTH_DAY.search(text):
        return _Part(
            year=int(m.group(3)) if m.group(3) else None, month=MONTHS[m.group(1)], day=int(m.group(2))
        )
    if (m := RE_EN_DAY.search(text)) and m.group(2):
        # "wed the 9th": the day of month, and the weekday that picks its month
        weekday = RE_EN_WEEKDAY.search(text)
        return _Part(day=int(m.group(1)), weekday=WEEKDAYS_EN[weekday.group(2)] if weekday else None)
    if m := RE_EN_WEEKDAY.search(text):
        word = m.group(1)
        offset = {"next": 1, "this": 0, "last": -1}.get(word or "")
        return _Part(weekday=WEEKDAYS_EN[m.group(2)], week_offset=offset)
    if m := RE_EN_DAY.search(text):
        return _Part(day=int(m.group(1) or m.group(3)))
    if m := RE_EN_MONTH_ONLY.search(text):
        return _Part(year=int(m.group(2)) if m.group(2) else None, month=MONTHS[m.group(1)])
    if re.fullmatch(r"\d{1,2}", text.strip()):
        return _Part(day=int(text.strip()))
    parsed = _dateparser(text, today)
    return _Part(fixed=parsed) if parsed else _Part()


def _last_day(m: re.Match[str], today: date) -> _Part:
    """ "the last day of this month" / "下个月最后一天" / "12月最后一天": that month's last day (a month
    named by itself is this year's, or next year's once it has passed)."""
    relative = m.group(1) or m.group(3)
    if relative:
        first = today.replace(day=1)
        if relative == "next" or relative.startswith("下"):
            first = _next_month(first)
        year, month = first.year, first.month
    else:
        month = MONTHS[m.group(2)] if m.group(2) else int(m.group(4))
        year = today.year + (1 if month < today.month else 0)
    if not 1 <= month <= 12:
        return _Part()
    return _Part(fixed=date(year, month, calendar.monthrange(year, month)[1]))


def _dateparser(text: str, today: date) -> date | None:
    """dateparser as a fallback for a single date in either language."""
    # Only text that looks like a date: dateparser reads dates into words like "day morning".
    if not re.search(
        r"\d|\bin (?:a|an|one|two|three|four|five|six|seven|ten) (?:days?|weeks?)\b|天后|周后", text
    ):
        return None
    if RE_DURATION.search(text) or re.fullmatch(r"\s*\d{3,4}\s*", text):
        return None  # "2 days" is a length and "2026" a year, not a date
    settings = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "STRICT_PARSING": False,
    }
    try:
        value = dateparser.parse(text, languages=["en", "zh"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; treat them as "no date"
        return None
    return value.date() if value else None


def _make_date(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise DateError("invalid", text, (year, month, day))
    return date(year, month, day)


#: words that place the dates in the past ("I was sick on the 20th", "上周三病了", "补请19号的病假"):
#: then a bare day of month is not moved on to the next month
RE_PAST = re.compile(
    r"\b(?:was|were|had|did|been|last|ago|missed|forgot|yesterday|earlier|previous|backdat\w*)\b"
    r"|上周|上星期|上礼拜|上个?月|之前|以前|已经|昨天|前天|那天|补请|补假|补个|补一|补交|补办|补登"
)


def _next_month(value: date) -> date:
    return (value.replace(day=1) + timedelta(days=32)).replace(day=1)


#: how far from today a weekday with a day of month is looked for before the date alone decides
NEAR_DAYS = 70


def _weekday_and_day(part: _Part, today: date, past: bool) -> date | None:
    """ "wed the 9th": the month whose 9th is a Wednesday, the first from today on (the last
    before today when the text speaks of the past), or None when no month within ``NEAR_DAYS``
    of today agrees (then the weekday is taken for a slip)."""
    first = today.replace(day=1)
    for _ in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    agreeing = []
    for _ in range(6):
        if part.day <= calendar.monthrange(first.year, first.month)[1]:
            value = first.replace(day=part.day)
            if value.weekday() == part.weekday:
                agreeing.append(value)
        first = _next_month(first)
    near = [v for v in agreeing if abs((v - today).days) <= NEAR_DAYS]  # a typo is not next spring
    if past:
        return max((v for v in near if v <= today), default=None)
    return min((v for v in near if v >= today), default=None)


def _resolve(part: _Part, today: date, anchor: date | None, text: str, past: bool = False) -> date:
    """Turn a part into a date. ``anchor`` (the other side, or the form's current date) lends the
    month; a day of month that has passed means the next month and a month and day long past mean
    next year, unless the text speaks of the past (``past``)."""
    if part.fixed:
        return part.fixed
    if part.weekday is not None and part.day is not None and part.month is None:
        agreed = _weekday_and_day(part, today, past)
        if agreed is not None:
            return agreed
        part = replace(part, weekday=None)  # they disagree: the date decides
    if part.weekday is not None:
        if part.week_offset is None:
            base = anchor or today
            return base + timedelta(days=(part.weekday - base.weekday()) % 7)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=7 * part.week_offset + part.weekday)
    if part.day is None:
        raise DateError("unparsed", text)
    if part.month is not None:
        year = part.year or (anchor.year if anchor else today.year)
        try:
            value = _make_date(year, part.month, part.day, text)
        except DateError as err:  # say the year only if the user did
            raise DateError("invalid", text, (part.year, part.month, part.day)) from err
        # long past: next year's ("Jan 5" said in November, also as a correction of a December date)
        if part.year is None and not past and value < today - timedelta(days=60):
            value = _make_date(value.year + 1, part.month, part.day, text)
        return value
    base = anchor or today
    value = _make_date(base.year, base.month, part.day, text) if part.day <= 31 else None
    if value is None:
        raise DateError("invalid", text)
    # passed already: the user means the next month ("the 21st" said on the 23rd, "the 4th" said
    # around the 30th), unless they speak of the past; a correction's day far before the form's
    # date is in the month after it ("the 2nd" for a request on the 28th)
    if (not past and value < today) or (anchor is not None and value < anchor - timedelta(days=14)):
        nxt = _next_month(value)
        value = _make_date(nxt.year, nxt.month, part.day, text)
    elif past and anchor is None and value > today:  # "I was sick on the 30th", said on the 23rd
        before = (value.replace(day=1) - timedelta(days=1)).replace(day=1)
        value = _make_date(before.year, before.month, part.day, text)
    return value


RE_WEEK_WORD = re.compile(
    r"\b(next|this|coming|last) week\b"
    r"|(下下个?|下个?|上个?|本|这个?)(?:周|星期|礼拜)(?![一二三四五六日天1-7])"
)
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
RE_DURATION = re.compile(
    r"(?<!\bin )(?<!\bin a )\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s*"
    r"(?:full\s+|working\s+|work\s+|business\s+)?days?\b(?!\s*(?:ago|later|before|after))"
    r"|(\d{1,2}|[一二两三四五六七八九十]+)\s*(?:个)?(?:整)?(?:天|工作日)(?!\s*(?:后|以后|之后|前|以前))"
)


def _week_word(text: str) -> int | None:
    """The week named apart from its days ("next week", "下周"): 1, 0, -1, 2; None if none."""
    m = RE_WEEK_WORD.search(text)
    if not m:
        return None
    word = m.group(1) or m.group(2) or ""
    if word.startswith("下下"):
        return 2
    if word in ("next", "coming") or word.startswith("下"):
        return 1
    if word == "last" or word.startswith("上"):
        return -1
    return 0


RE_WEEKS = re.compile(
    r"\bfor (a|one|two|three|\d) weeks?\b|(一|两|二|三|\d)个?(?:整)?(?:周|星期|礼拜)(?![一二三四五六日天1-7])"
)
RE_TOMORROW_AND_AFTER = re.compile(r"明后(?:两)?天|tomorrow and the day after")
# a week as the leave only when the text says the whole of it or says nothing else: "leave next
# week" may mean some days of it, and then the dates are asked
RE_WHOLE = re.compile(r"\b(?:whole|all|entire|full)\b|整|全")
RE_JUST_A_WEEK = re.compile(
    r"\s*(?:the\s+)?(?:next|this|coming) week\s*|\s*(?:下个?|本|这个?)(?:周|星期|礼拜)\s*"
)


def _weeks(text: str) -> int | None:
    """A length in whole weeks ("for a week", "请一周", "两个星期"), if the text gives one."""
    m = RE_WEEKS.search(_normalise(text))
    if not m:
        return None
    value = m.group(1) or m.group(2)
    if value.isdigit():
        return int(value)
    return {"a": 1, "one": 1, "two": 2, "three": 3}.get(value) or _zh_number(value)


def _whole_period(text: str, today: date, week: int | None) -> DateRange:
    """A week named without a day: "next week" / "下周整周" is its Monday to Friday (what counts is
    the backend's calendar); the rest of it when it has begun."""
    t = _normalise(text)
    if week is not None and (RE_WHOLE.search(t) or RE_JUST_A_WEEK.fullmatch(t)):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7 * week)
        start, end = max(monday, today), monday + timedelta(days=4)
        if start <= end:
            return DateRange(start, end)
    raise DateError("unparsed", text)


def _duration(text: str) -> int | None:
    """A number of days asked for ("2 days", "三天", "3个工作日"), not "in two days" / "两天后"."""
    m = RE_DURATION.search(_normalise(text))
    if not m:
        return None
    if m.group(1):
        value = m.group(1)
        return int(value) if value.isdigit() else _EN_NUMBERS[value]
    value = m.group(2)
    return int(value) if value.isdigit() else _zh_number(value)


RE_MONTH_WORD_EN = re.compile(rf"\b({_MONTH_NAMES})\b\.?(?:\s+(\d{{4}}))?")
RE_MONTH_WORD_ZH = re.compile(r"(?:(\d{4})年)?(?<!\d)(\d{1,2})月份?(?!\s*\d)")
RE_NEXT_MONTH = re.compile(r"\bnext month\b|下个?月")
RE_THIS_MONTH = re.compile(r"\bthis month\b|本月|这个月|当月")
#: "may" is a month only where a month is expected ("in May"); "may I take ..." is not
RE_MAY_AS_MONTH = re.compile(r"(?:\b(?:in|of|during|early|late|mid|until|till|by)\s+|mid-)$")


def _month_word(text: str, today: date) -> tuple[int, int | None] | None:
    """The month a message names apart from its days ("just do the december part then, 28th to
    31st", "12月的那几天，28到31号", "next month, the 3rd to the 5th"): (month, year or None), or None
    when it names none or several. A month written with its day ("Dec 28") is not one: that date
    has its month already."""
    t = text
    for attached in (RE_ISO, RE_NUMERIC, RE_NEXT_MONTH_DAY, RE_EN_DAY_MONTH, RE_EN_MONTH_DAY):
        t = attached.sub(" ", t)
    found: set[tuple[int, int | None]] = set()
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if RE_NEXT_MONTH.search(t):
        found.add((nxt.month, nxt.year))
    if RE_THIS_MONTH.search(t):
        found.add((today.month, today.year))
    year = _year_word(t, today)
    for m in RE_MONTH_WORD_EN.finditer(t):
        if m.group(1) == "may" and not RE_MAY_AS_MONTH.search(t[: m.start()]):
            continue
        found.add((MONTHS[m.group(1)], int(m.group(2)) if m.group(2) else year))
    for m in RE_MONTH_WORD_ZH.finditer(t):
        if 1 <= int(m.group(2)) <= 12:
            found.add((int(m.group(2)), int(m.group(1)) if m.group(1) else year))
    return found.pop() if len({month for month, _ in found}) == 1 and len(found) == 1 else None


def _lend_month(text: str, sides: list[str], parts: list[_Part], today: date) -> list[_Part]:
    """The month the message names apart from its days goes to a range's first day when neither
    side has one ("in January, the 4th to the 6th"); the end then takes it from the start, as
    always. Only the words up to the range's end count: what follows is the user's story."""
    first = parts[0]
    if first.day is None or first.weekday is not None or first.fixed is not None:
        return parts
    if any(p.month is not None or p.fixed is not None for p in parts):
        return parts
    t = _strip_range_words(_normalise(text))
    head = t[: t.rfind(sides[-1]) + len(sides[-1])] if len(sides) > 1 and sides[-1] in t else t
    month = _month_word(head, today)
    if month is None:
        return parts
    return [replace(first, month=month[0], year=first.year or month[1]), *parts[1:]]


def parse_leave_dates(text: str, today: date, context: date | None = None) -> DateRange:
    """Parse a single date or a range from free text, relative to ``today``.

    ``context`` (e.g. the start date already in the form) lends a month to "the 6th" / "6号" in a
    correction. A week named apart from its days ("next week, Monday to Wednesday", "Mon-Wed next
    week") places them; a number of days from a start ("3 days from next Monday", "从下周一开始请
    3天") gives the end, counted in calendar days (``DateRange.days`` keeps the number asked for, so
    that the caller can let the backend's calendar skip weekends and holidays). Raises DateError
    when the text names no date, an impossible date or a backwards range.
    """
    text = _request_part(text, today)
    if RE_TOMORROW_AND_AFTER.search(_normalise(text)):
        return DateRange(today + timedelta(days=1), today + timedelta(days=2))
    sides, parts = _range_sides(text, today)
    week = _week_word(_normalise(text))
    if week is not None:
        parts = [
            replace(p, week_offset=week) if p.weekday is not None and p.week_offset is None else p
            for p in parts[:1]
        ] + parts[1:]
    if all(p.empty() for p in parts):
        return _whole_period(text, today, week)
    parts = _lend_month(text, sides, parts, today)
    past = RE_PAST.search(_normalise(text)) is not None
    if len(parts) == 1:
        day = _resolve(parts[0], today, context, sides[0], past)
        if weeks := _weeks(text):  # "from Monday for a week": whole weeks hold their working days
            return DateRange(day, day + timedelta(days=7 * weeks - 1), find_half_day(text))
        count = _duration(text)
        if count and count > 1:
            return DateRange(day, day + timedelta(days=count - 1), find_half_day(text), days=count)
        return DateRange(day, day, find_half_day(text))
    start_part, end_part = parts
    # The sides lend each other what they lack: "the 3rd to the 5th of March", "3月5日到7日".
    if start_part.day is not None and start_part.month is None and end_part.month is not None:
        start_part = replace(start_part, month=end_part.month, year=start_part.year or end_part.year)
    start = _resolve(start_part, today, context, sides[0], past)
    if end_part.weekday is not None and end_part.week_offset is None and end_part.day is None:
        end = start + timedelta(days=(end_part.weekday - start.weekday()) % 7)
    elif end_part.day is not None and end_part.month is None and end_part.fixed is None:
        end = _make_date(start.year, start.month, end_part.day, sides[1]) if end_part.day <= 31 else None
        if end is None:
            raise DateError("invalid", sides[1])
        if end < start:  # "the 28th to the 2nd": the end is in the next month
            nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
            end = _make_date(nxt.year, nxt.month, end_part.day, sides[1])
    elif end_part.month is not None and end_part.year is None and end_part.fixed is None:
        end = _make_date(start.year, end_part.month, end_part.day or 1, sides[1])
        if end < start and end_part.month < start.month:
            end = _make_date(start.year + 1, end_part.month, end_part.day or 1, sides[1])
    else:
        end = _resolve(end_part, today, start, sides[1], past)
    if end < start:
        raise DateError("end_before_start", text)
    if start == end:
        return DateRange(start, end, find_half_day(text))
    return DateRange(start, end, find_half_day(sides[0]), find_half_day(sides[1]))


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str, today: date) -> tuple[date, date] | None:
    """A search window named in the text ("next month", "下个月", "this week", "in March", "3月")."""
    t = _normalise(text)
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    monday = today - timedelta(days=today.weekday())
    if re.search(r"next month|下个?月", t):
        return _month_bounds(nxt.year, nxt.month)
    if re.search(r"this month|本月|这个月|当月", t):
        return today, _month_bounds(today.year, today.month)[1]
    if re.search(r"next week|下个?(?:周|星期|礼拜)(?![一二三四五六日天1-7])", t):
        return monday + timedelta(days=7), monday + timedelta(days=13)
    if re.search(r"this week|本周|这周|这个星期|这星期", t):
        return today, monday + timedelta(days=6)
    m = (
        re.search(rf"\b(?:in|during|for|of)\s+({_MONTH_NAMES})\b", t)
        or re.search(rf"\b({_MONTH_NAMES.replace('may|', '')})\b", t)
        or re.search(r"(\d{1,2})月份?(?!\d|[日号])", t)
    )
    if m:
        value = m.group(1)
        month = MONTHS[value] if value in MONTHS else int(value)
        if not 1 <= month <= 12:
            return None
        year = today.year if month >= today.month else today.year + 1
        return _month_bounds(year, month)
    try:
        days = parse_leave_dates(t, today)
    except DateError:
        return None
    return days.start, days.end


WEEKDAY_SHORT = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
}
HALF_DAY_WORDS = {
    "en": {"am": "morning", "pm": "afternoon", "none": "whole day"},
    "zh": {"am": "上午", "pm": "下午", "none": "全天"},
}


def format_date(value: date | str, lang: str) -> str:
    """A date as people read it: "Mon 30 Nov 2026" / "2026年11月30日（周一）"."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日（{WEEKDAY_SHORT['zh'][d.weekday()]}）"
    return f"{WEEKDAY_SHORT['en'][d.weekday()]} {d.day} {d.strftime('%b')} {d.year}"


MONTH_NAMES_EN = [calendar.month_name[m] for m in range(13)]
#: a range's half day is its first day's (the backend's rule: half_day applies to the start date)
RANGE_HALF_DAY = {"en": " (from the {word} of the first day)", "zh": "（首日{word}起）"}


def format_period(start: date | str, end: date | str, lang: str, half_day: str | None = None) -> str:
    """A leave period in the user's language, with the half day when there is one; ``none`` on a
    single day says "whole day" (the preview, where the user did not say and may want half)."""
    s, e = format_date(start, lang), format_date(end, lang)
    text = s if s == e else (f"{s} 至 {e}" if lang == "zh" else f"{s} to {e}")
    if half_day == "none" and s == e:
        word = HALF_DAY_WORDS["zh" if lang == "zh" else "en"]["none"]
        return text + (f"（{word}）" if lang == "zh" else f" ({word})")
    if half_day in ("am", "pm"):
        word = HALF_DAY_WORDS["zh" if lang == "zh" else "en"][half_day]
        if s != e:
            text += RANGE_HALF_DAY["zh" if lang == "zh" else "en"].format(word=word)
        else:
            text += word if lang == "zh" else f" ({word})"
    return text


def describe_missing_day(ymd: tuple[int | None, int, int], lang: str) -> dict[str, str | int] | None:
    """What to say about a day that does not exist ("31 April 2027", "April", 30 days; the year only
    when the user gave one), or None when the month itself does not exist."""
    year, month, day = ymd
    if not 1 <= month <= 12:
        return None
    days = calendar.monthrange(year or 2027, month)[1]  # a common year when none was given
    if lang == "zh":
        return {
            "date": f"{year}年{month}月{day}日" if year else f"{month}月{day}日",
            "month": f"{month}月",
            "days": days,
        }
    name = MONTH_NAMES_EN[month]
    return {"date": f"{day} {name} {year}" if year else f"{day} {name}", "month": name, "days": days}
