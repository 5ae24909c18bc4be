"""Free-text dates, relative to a fixed "today" (Monday 23 November 2026), in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from actions.dates import DateError, find_half_day, parse_leave_dates, parse_period

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "start", "end", "half"),
    [
        ("next Monday to Wednesday", date(2026, 11, 30), date(2026, 12, 2), None),
        ("the 3rd to the 5th of March", date(2027, 3, 3), date(2027, 3, 5), None),
        ("tomorrow", date(2026, 11, 24), date(2026, 11, 24), None),
        ("tomorrow afternoon", date(2026, 11, 24), date(2026, 11, 24), "pm"),
        ("next friday morning", date(2026, 12, 4), date(2026, 12, 4), "am"),
        ("from Dec 1 to Dec 3", date(2026, 12, 1), date(2026, 12, 3), None),
        ("2026-12-01 to 2026-12-03", date(2026, 12, 1), date(2026, 12, 3), None),
        ("March 3-5", date(2027, 3, 3), date(2027, 3, 5), None),
        ("between 3 and 5 March", date(2027, 3, 3), date(2027, 3, 5), None),
        ("Dec 28 - Jan 2", date(2026, 12, 28), date(2027, 1, 2), None),
        ("I'd like next Monday to Wednesday off", date(2026, 11, 30), date(2026, 12, 2), None),
        ("I want to take Friday off", date(2026, 11, 27), date(2026, 11, 27), None),
        ("in two days", date(2026, 11, 25), date(2026, 11, 25), None),
        ("明天下午", date(2026, 11, 24), date(2026, 11, 24), "pm"),
        ("下周一到周三", date(2026, 11, 30), date(2026, 12, 2), None),
        ("3月5日到7日", date(2027, 3, 5), date(2027, 3, 7), None),
        ("三月五日至七日", date(2027, 3, 5), date(2027, 3, 7), None),
        ("12月1日至12月3日", date(2026, 12, 1), date(2026, 12, 3), None),
        ("明天", date(2026, 11, 24), date(2026, 11, 24), None),
        ("后天", date(2026, 11, 25), date(2026, 11, 25), None),
        ("下周五", date(2026, 12, 4), date(2026, 12, 4), None),
        ("本周五上午", date(2026, 11, 27), date(2026, 11, 27), "am"),
        ("星期三到星期五", date(2026, 11, 25), date(2026, 11, 27), None),
        ("5号到7号", date(2026, 12, 5), date(2026, 12, 7), None),
    ],
)
def test_phrases_in_both_languages(text: str, start: date, end: date, half: str | None) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end, got.half_day) == (start, end, half)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # the range inside a whole sentence, whose other "to"s and "-"s are not the range's
        ("I want to take annual leave from Dec 2 to Dec 3", date(2026, 12, 2), date(2026, 12, 3)),
        ("I'd like to book Dec 2 to Dec 3 off", date(2026, 12, 2), date(2026, 12, 3)),
        ("Hi, I'd like to request leave for 2-3 Dec", date(2026, 12, 2), date(2026, 12, 3)),
        ("I need to take this Thursday and Friday off", date(2026, 11, 26), date(2026, 11, 27)),
        ("2-3 Dec", date(2026, 12, 2), date(2026, 12, 3)),
        ("from the 3rd till the 4th", date(2026, 12, 3), date(2026, 12, 4)),
        ("this Thu and Fri", date(2026, 11, 26), date(2026, 11, 27)),
        # the week named apart from its days
        ("next week Mon-Wed", date(2026, 11, 30), date(2026, 12, 2)),
        ("next week, Monday to Wednesday", date(2026, 11, 30), date(2026, 12, 2)),
        ("Monday to Wednesday next week", date(2026, 11, 30), date(2026, 12, 2)),
        # a number of days from a start (calendar days; the action lets the backend skip weekends)
        ("3 days from next Monday", date(2026, 11, 30), date(2026, 12, 2)),
        ("I need 2 days of sick leave from Dec 2", date(2026, 12, 2), date(2026, 12, 3)),
        ("next Monday for three days", date(2026, 11, 30), date(2026, 12, 2)),
        # Chinese
        ("12月2日到3日", date(2026, 12, 2), date(2026, 12, 3)),
        ("我想请12月2日到3日的年假", date(2026, 12, 2), date(2026, 12, 3)),
        ("2号至4号", date(2026, 12, 2), date(2026, 12, 4)),
        ("本周四和周五", date(2026, 11, 26), date(2026, 11, 27)),
        ("下星期一到星期三", date(2026, 11, 30), date(2026, 12, 2)),
        ("我要请3天年假，从下周一开始", date(2026, 11, 30), date(2026, 12, 2)),
        ("从12月2日起请两天假", date(2026, 12, 2), date(2026, 12, 3)),
        # lists of days: the range runs from the first to the last
        ("Mon, Tue, Wed next week", date(2026, 11, 30), date(2026, 12, 2)),
        ("the 3rd & 4th", date(2026, 12, 3), date(2026, 12, 4)),
        ("Dec 2, 3", date(2026, 12, 2), date(2026, 12, 3)),
        ("Wednesday the 2nd to Thursday the 3rd", date(2026, 12, 2), date(2026, 12, 3)),
        ("2号3号", date(2026, 12, 2), date(2026, 12, 3)),
        ("下周三、周四", date(2026, 12, 2), date(2026, 12, 3)),
        ("这周四周五", date(2026, 11, 26), date(2026, 11, 27)),
        ("下周一、二、三", date(2026, 11, 30), date(2026, 12, 2)),
        ("下周一到三", date(2026, 11, 30), date(2026, 12, 2)),
        # the date being replaced is not part of the range; a year after a comma is not a day
        ("the 3rd and 4th, not the 2nd", date(2026, 12, 3), date(2026, 12, 4)),
        ("Dec 3, not Dec 2", date(2026, 12, 3), date(2026, 12, 3)),
        ("Dec 2, 2026 to Dec 3, 2026", date(2026, 12, 2), date(2026, 12, 3)),
        # whole weeks and two days named together
        ("the whole of next week", date(2026, 11, 30), date(2026, 12, 4)),
        ("下周整周", date(2026, 11, 30), date(2026, 12, 4)),
        ("from next Monday for a week", date(2026, 11, 30), date(2026, 12, 6)),
        ("tomorrow and the day after", date(2026, 11, 24), date(2026, 11, 25)),
        ("明后两天", date(2026, 11, 24), date(2026, 11, 25)),
    ],
)
def test_ranges_in_sentences_weeks_and_day_counts(text: str, start: date, end: date) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end) == (start, end)


def test_a_day_count_is_kept_and_a_relative_day_is_not_a_count() -> None:
    """ "in two days" / "两天后" is one day; "3 days from ..." keeps 3 for the working-day count."""
    assert parse_leave_dates("3 days from next Monday", TODAY).days == 3
    assert parse_leave_dates("Dec 2", TODAY).days is None
    in_two = parse_leave_dates("in two days", TODAY)
    assert (in_two.start, in_two.end, in_two.days) == (date(2026, 11, 25), date(2026, 11, 25), None)


@pytest.mark.parametrize(
    ("text", "context", "start", "end"),
    [
        ("sorry, I meant the 3rd to the 4th", date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)),
        ("change it to the 3rd to the 4th", date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)),
        ("不对，应该是3号到4号", date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)),
        # a day mentioned in passing after the range is the reason, not the range's end
        (
            "make it the 15th to the 18th, there's a team offsite on Monday the 14th",
            date(2026, 12, 14),
            date(2026, 12, 15),
            date(2026, 12, 18),
        ),
        ("改成16号到18号吧，15号周二要开会", date(2026, 12, 15), date(2026, 12, 16), date(2026, 12, 18)),
        # a month said before the range ("the december part") does not become the range's start
        (
            "ugh ok, just do the december part then, 28th to 31st",
            date(2026, 12, 28),
            date(2026, 12, 28),
            date(2026, 12, 31),
        ),
        ("好吧，那就只请12月的，28号到31号", date(2026, 12, 28), date(2026, 12, 28), date(2026, 12, 31)),
    ],
)
def test_a_corrected_range_stays_a_range(text: str, context: date, start: date, end: date) -> None:
    got = parse_leave_dates(text, TODAY, context=context)
    assert (got.start, got.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        (
            "put me down for Dec 21 thru 24, visiting my folks for xmas",
            date(2026, 12, 21),
            date(2026, 12, 24),
        ),
        ("annual leave from dec 28 til jan 4, going skiing", date(2026, 12, 28), date(2027, 1, 4)),
        ("off from the 7th till the 9th; my brother is visiting", date(2026, 12, 7), date(2026, 12, 9)),
        ("12月21号到23号，去日本玩", date(2026, 12, 21), date(2026, 12, 23)),
        # a bare number after the separator is the end's day, whatever words follow it
        ("annual leave Dec 17 to 18 please", date(2026, 12, 17), date(2026, 12, 18)),
        ("Dec 21 to 24 for xmas", date(2026, 12, 21), date(2026, 12, 24)),
        ("12月17号到18 谢谢", date(2026, 12, 17), date(2026, 12, 18)),
    ],
)
def test_a_range_followed_by_more_words(text: str, start: date, end: date) -> None:
    """The end of a range is read up to the next clause: what follows is the user's story."""
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Feb 30", "invalid"),
        ("2月30日", "invalid"),
        ("April 31 to May 2", "invalid"),
        ("I want to take Feb 30 to Mar 2 off", "invalid"),
        ("2月30日到3月2日", "invalid"),
        ("3 days from Feb 30", "invalid"),
        ("12月5日到12月3日", "end_before_start"),
        ("Dec 5 to Dec 3", "end_before_start"),
        ("family trip", "unparsed"),
        ("I want to take some leave next week", "unparsed"),  # some days of it: they are asked
        ("2 days", "unparsed"),
        ("", "unparsed"),
    ],
)
def test_dates_that_make_no_sense_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(DateError) as err:
        parse_leave_dates(text, TODAY)
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # a month said apart from the days in the same message is theirs, with or without the form's
        ("ugh ok. just do the december part then, 28th to 31st", date(2026, 12, 28), date(2026, 12, 31)),
        ("12月的那几天，28到31号", date(2026, 12, 28), date(2026, 12, 31)),
        ("in January, the 4th to the 6th", date(2027, 1, 4), date(2027, 1, 6)),
        ("the 4th to the 6th in January", date(2027, 1, 4), date(2027, 1, 6)),
        ("1月份，4号到6号", date(2027, 1, 4), date(2027, 1, 6)),
        ("明年1月，4号到6号", date(2027, 1, 4), date(2027, 1, 6)),
        ("next month, the 25th to the 27th", date(2026, 12, 25), date(2026, 12, 27)),
        ("下个月的25到27号", date(2026, 12, 25), date(2026, 12, 27)),
        ("december, the 28th", date(2026, 12, 28), date(2026, 12, 28)),
        # the end still runs on into the next month
        ("in December, the 28th to the 2nd", date(2026, 12, 28), date(2027, 1, 2)),
        # no month said: the nearest coming days, as before; "may I" names no month
        ("the 4th to the 6th", date(2026, 12, 4), date(2026, 12, 6)),
        ("may I take the 4th to the 6th off", date(2026, 12, 4), date(2026, 12, 6)),
    ],
)
def test_a_month_said_in_the_message_goes_to_its_bare_days(text: str, start: date, end: date) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end) == (start, end)


def test_a_month_in_the_story_after_the_range_is_not_the_ranges() -> None:
    """ "28th to 31st, my sister's wedding is in January": the month belongs to the story, and
    without one the days are this month's (which has no 31st)."""
    with pytest.raises(DateError) as err:
        parse_leave_dates("the 28th to 31st, my sister's wedding is in january", TODAY)
    assert err.value.ymd == (2026, 11, 31)


def test_a_correction_takes_its_month_from_the_form() -> None:
    """ "no, the 6th" while the form holds 3 March means 6 March, not 6 December."""
    assert parse_leave_dates("no, the 6th", TODAY, context=date(2027, 3, 3)).start == date(2027, 3, 6)
    assert parse_leave_dates("不对，是6号", TODAY, context=date(2027, 3, 5)).start == date(2027, 3, 6)


def test_half_day_words() -> None:
    assert find_half_day("明天上午") == "am"
    assert find_half_day("the afternoon of Friday") == "pm"
    assert find_half_day("next Monday") is None


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("any data analysis courses next month?", (date(2026, 12, 1), date(2026, 12, 31))),
        ("有没有下个月的数据分析培训", (date(2026, 12, 1), date(2026, 12, 31))),
        ("courses this week", (TODAY, date(2026, 11, 29))),
        ("下周有什么课", (date(2026, 11, 30), date(2026, 12, 6))),
        ("may I see the courses in March", (date(2027, 3, 1), date(2027, 3, 31))),
        ("3月份的培训", (date(2027, 3, 1), date(2027, 3, 31))),
        ("python courses", None),
    ],
)
def test_search_periods(text: str, window: tuple[date, date] | None) -> None:
    assert parse_period(text, TODAY) == window


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # a weekday with a day of month: the month where they agree (9 Dec 2026 is a Wednesday)
        ("can i get wed the 9th off?", date(2026, 12, 9), date(2026, 12, 9)),
        ("周三9号请一天", date(2026, 12, 9), date(2026, 12, 9)),
        ("12月9号周三", date(2026, 12, 9), date(2026, 12, 9)),
        ("fri the 11th to mon the 14th", date(2026, 12, 11), date(2026, 12, 14)),
        # they disagree in every month near today: the date decides
        ("wed the 10th", date(2026, 12, 10), date(2026, 12, 10)),
        # a bare day of month that has passed this month is next month's ("thru" is a range word)
        ("from the 21st thru the 23rd, annual", date(2026, 12, 21), date(2026, 12, 23)),
        ("the 14th-18th", date(2026, 12, 14), date(2026, 12, 18)),
        ("20号到22号", date(2026, 12, 20), date(2026, 12, 22)),
        # ... unless the text speaks of the past
        ("I was sick on the 20th", date(2026, 11, 20), date(2026, 11, 20)),
        ("上周五20号病了，补请一天", date(2026, 11, 20), date(2026, 11, 20)),
        # today's own date stays today
        ("the 23rd", date(2026, 11, 23), date(2026, 11, 23)),
    ],
)
def test_weekday_with_a_day_and_days_that_have_passed(text: str, start: date, end: date) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "context", "start"),
    [
        # a one-date correction of a request this week: "the 16th" has passed, so next month's
        ("no, the 16th", date(2026, 11, 24), date(2026, 12, 16)),
        ("不对，是16号", date(2026, 11, 24), date(2026, 12, 16)),
        # a month and day long past is next year's, also as a correction of a December request
        ("no, jan 5", date(2026, 12, 28), date(2027, 1, 5)),
        ("不对，是1月5号", date(2026, 12, 28), date(2027, 1, 5)),
    ],
)
def test_a_one_date_correction_moves_forward(text: str, context: date, start: date) -> None:
    assert parse_leave_dates(text, TODAY, context=context).start == start


@pytest.mark.parametrize(
    ("text", "start", "end", "half"),
    [
        # a weekday in the greeting is small talk, the day asked for is in the request
        (
            "Morning! Hope Tuesday treats you better than it treats me. I'd like Thursday off, annual please",
            date(2026, 11, 26),
            date(2026, 11, 26),
            None,
        ),
        ("周二过得怎么样？我想周四请一天年假", date(2026, 11, 26), date(2026, 11, 26), None),
        # times of day and relative days in the story are not the request's
        (
            "My grandma fell ill this morning. I'll drive up tomorrow and be back Sunday. "
            "Please book family leave for Thu to Fri",
            date(2026, 11, 26),
            date(2026, 11, 27),
            None,
        ),
        (
            "我前天晚上就开始咳嗽，今天上午去看了医生，想明天和后天请病假",
            date(2026, 11, 24),
            date(2026, 11, 25),
            None,
        ),
        # a past day told in the story, then the range asked for
        (
            "The baby arrived yesterday 🎉 需要请陪产假, from 下周三 to 12月9号",
            date(2026, 12, 2),
            date(2026, 12, 9),
            None,
        ),
        ("昨天刚搬完家，想请假 from next Tuesday to Thursday", date(2026, 12, 1), date(2026, 12, 3), None),
        # one clause with several days stays whole; a past day that is itself the request stays
        ("Dec 7, Dec 8 and Dec 9 off", date(2026, 12, 7), date(2026, 12, 9), None),
        ("12月7号，8号和9号请年假", date(2026, 12, 7), date(2026, 12, 9), None),
    ],
)
def test_the_story_around_a_request_names_no_dates_of_it(
    text: str, start: date, end: date, half: str | None
) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end, got.half_day) == (start, end, half)


def test_a_range_starts_at_the_clause_next_to_its_separator() -> None:
    """A correction that first tells why: the range's start is the day just before "thru", with the
    half day said there, not the morning the story mentions."""
    got = parse_leave_dates(
        "no wait, I have a meeting on the morning of the 8th. so 12/8 from the afternoon thru 12/10", TODAY
    )
    assert (got.start, got.end, got.half_day) == (date(2026, 12, 8), date(2026, 12, 10), "pm")
    got = parse_leave_dates("9号上午要开会。改成9号下午到11号", TODAY)
    assert (got.start, got.end, got.half_day) == (date(2026, 12, 9), date(2026, 12, 11), "pm")


@pytest.mark.parametrize(
    ("text", "day", "half"),
    [
        ("sick leave this afternoon please", date(2026, 11, 23), "pm"),
        ("can I go home this after noon", date(2026, 11, 23), "pm"),
        ("this morning I need off", date(2026, 11, 23), "am"),
        ("the last day of this month", date(2026, 11, 30), None),
        ("last day of next month please", date(2026, 12, 31), None),
        ("the last day of February", date(2027, 2, 28), None),
        ("这个月最后一天请事假", date(2026, 11, 30), None),
        ("下个月的最后一天", date(2026, 12, 31), None),
        ("2月最后一天", date(2027, 2, 28), None),
    ],
)
def test_parts_of_today_and_the_last_day_of_a_month(text: str, day: date, half: str | None) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end, got.half_day) == (day, day, half)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        # a weekday written before its date, with a comma, is that one day (not a list of two)
        ("could I get Tuesday, Dec 1 through Thursday, Dec 3 off", date(2026, 12, 1), date(2026, 12, 3)),
        ("thu, 10th dec - fri, 11th dec", date(2026, 12, 10), date(2026, 12, 11)),
        ("周二，12月1号到周四，12月3号请年假", date(2026, 12, 1), date(2026, 12, 3)),
        ("星期四, 12/10 至 星期五, 12/11", date(2026, 12, 10), date(2026, 12, 11)),
        # "+" joins two days, "/" two weekdays; an English weekday may touch Chinese ("下周thu")
        ("today + tomorrow pls", date(2026, 11, 23), date(2026, 11, 24)),
        ("明天+后天", date(2026, 11, 24), date(2026, 11, 25)),
        ("next week thu/fri", date(2026, 12, 3), date(2026, 12, 4)),
        ("下周thu/fri请两天", date(2026, 12, 3), date(2026, 12, 4)),
        ("下周四/周五", date(2026, 12, 3), date(2026, 12, 4)),
    ],
)
def test_weekdays_written_with_their_dates_and_short_lists(text: str, start: date, end: date) -> None:
    got = parse_leave_dates(text, TODAY)
    assert (got.start, got.end) == (start, end)
