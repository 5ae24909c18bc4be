"""Training in conversation: catalogue search, course details, enrolment (or waitlist),
withdrawal and the employee's enrolments.

Capacity, waitlists, deadlines and prerequisites are the backend's rules; the actions show the
choices as buttons and say which outcome the backend chose (enrolled or waitlisted).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.common import (
    BackendAction,
    as_int,
    explain_error,
    latest_intent,
    name_of,
    num,
    picked_id,
    today,
    typed_text,
)
from actions.dates import format_date, format_period, parse_period
from actions.offers import Offer, bare_pick, last_offers, ordinal, parse_offer, pick, previous_intent
from actions.records import completed_line
from actions.references import Reference, Resolution, by_name, overlapping, read_reference, resolve
from hrbot.identity import Identity
from personnel.client import CourseOut, EnrolmentOut, PersonnelClient, PersonnelError, SessionOut

DELIVERY = {
    "en": {"online": "online", "in_person": "in person"},
    "zh": {"online": "线上", "in_person": "线下"},
}
ENROLMENT_STATUS = {
    "en": {
        "enrolled": "enrolled",
        "waitlisted": "waitlisted",
        "withdrawn": "withdrawn",
        "completed": "completed",
    },
    "zh": {"enrolled": "已报名", "waitlisted": "候补中", "withdrawn": "已退选", "completed": "已完成"},
}
ID_SLOTS = ("course_id", "session_id", "enrolment_id", "topic")


def clear_ids() -> list[EventType]:
    """Button ids and the topic are per request: never carried into the next one."""
    return [SlotSet(slot, None) for slot in ID_SLOTS]


def _session_line(s: SessionOut, lang: str) -> str:
    when = format_period(s.start_date, s.end_date, lang)
    deadline = format_date(s.enrolment_deadline, lang)
    if lang == "zh":
        seats = (
            f"剩余 {s.seats_left}/{s.capacity} 个名额"
            if s.seats_left > 0
            else (f"已满，候补 {s.waitlist_count} 人" if s.waitlist_enabled else "已满")
        )
        return f"• {when}，{s.place}：{seats}（报名截止 {deadline}）"
    seats = (
        f"{s.seats_left} of {s.capacity} places left"
        if s.seats_left > 0
        else (f"full, {s.waitlist_count} on the waitlist" if s.waitlist_enabled else "full")
    )
    return f"• {when}, {s.place}: {seats} (enrol by {deadline})"


def _course_line(c: CourseOut, lang: str) -> str:
    title = name_of(c, "title", lang)
    upcoming = sorted((s for s in c.sessions if s.open_for_enrolment), key=lambda s: s.start_date)
    if lang == "zh":
        nxt = f"，最近一期 {format_date(upcoming[0].start_date, lang)}" if upcoming else "，暂无可报名场次"
        delivery = DELIVERY["zh"].get(c.delivery, c.delivery)
        return f"• {title}（{c.code}），{num(c.hours)} 学时，{delivery}{nxt}"
    nxt = f", next session {format_date(upcoming[0].start_date, lang)}" if upcoming else ", no open session"
    return f"• {title} ({c.code}), {num(c.hours)} h, {DELIVERY['en'].get(c.delivery, c.delivery)}{nxt}"


class ActionSearchCourses(BackendAction):
    """Search by the topic the user named and the period in their words ("next month", "下个月")."""

    def name(self) -> str:
        return "action_search_courses"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        topic = next(tracker.get_latest_entity_values("topic"), None)
        text = tracker.latest_message.get("text") or ""
        now = today().date()
        period = None if text.startswith("/") else parse_period(text, now)
        date_from, date_to = period or (now, None)
        courses = await pc.search_courses(query=topic, date_from=date_from, date_to=date_to)
        if not topic and not text.startswith("/"):
            # the NLU found no topic: the courses whose code, title or title words the message
            # names ("is there a git course?"), if any, rather than the whole catalogue
            named = match_courses(text, courses)
            if named.courses:
                courses = named.courses
            elif period and (anytime := match_courses(text, await pc.search_courses(date_from=now))).strong:
                # the courses it names run at another time: the date was about something else
                # ("presentation skills? I present to the board in January"): those courses, with
                # their own dates, rather than unrelated ones in that period
                courses, period = anytime.courses, None
        if not courses and topic and not text.startswith("/"):
            # the topic as the NLU cut it out may be misspelt ("presentaton skills", "演讲技巧班"):
            # the courses the message's words name, at any time
            anytime = match_courses(text, await pc.search_courses(date_from=now))
            if anytime.courses:
                courses, period = anytime.courses, None
        topic_part = ""
        if topic:
            topic_part = f"（关键词“{topic}”）" if lang == "zh" else f' about "{topic}"'
        period_part = ""
        if period:
            period_part = (
                f"（{format_period(period[0], period[1], lang)}）"
                if lang == "zh"
                else f" between {format_date(period[0], lang)} and {format_date(period[1], lang)}"
            )
        if not courses:
            dispatcher.utter_message(
                response="utter_courses_none", topic_part=topic_part, period_part=period_part
            )
            return clear_ids()
        list_courses(courses, dispatcher, lang, topic_part=topic_part, period_part=period_part)
        return clear_ids()

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return clear_ids()


def list_courses(
    courses: Sequence[CourseOut],
    dispatcher: CollectingDispatcher,
    lang: str,
    topic_part: str = "",
    period_part: str = "",
) -> None:
    """The courses as lines and one details button each (the user may also type "the second one")."""
    courses = list(courses)[:8]
    buttons = [
        {"title": name_of(c, "title", lang), "payload": f'/course_details{{"course_id":"{c.id}"}}'}
        for c in courses
    ]
    dispatcher.utter_message(
        response="utter_courses_found",
        topic_part=topic_part,
        period_part=period_part,
        lines="\n".join(_course_line(c, lang) for c in courses),
        buttons=buttons,
    )


_SPACE_PUNCT = re.compile(r"[\s\W_]+")


def _squash(text: str) -> str:
    return _SPACE_PUNCT.sub("", (text or "").lower())


def _code_pattern(code: str) -> re.Pattern[str]:
    """A course code as people type it: "DA-101", "da101", "DA 101"."""
    parts = [re.escape(p) for p in re.split(r"[\s_-]+", code) if p]
    return re.compile(r"(?<![a-z0-9])" + r"[\s_-]?".join(parts) + r"(?![0-9])", re.I)


@dataclass
class CourseMatch:
    """The catalogue courses a message names; ``strong`` when named by code, by its whole title or
    by most of it (enough to act on), weak when only a word or two fits (enough to show)."""

    courses: list[CourseOut]
    strong: bool = False


def _names(c: CourseOut) -> tuple[str, ...]:
    return (c.title_en, c.title_zh, c.code, *(c.keywords or []))


def _with_close_words(ref: Reference, courses: Sequence[CourseOut]) -> Reference:
    """The message's words plus the catalogue words they misspell ("exel" -> "excel")."""
    vocab = {w for c in courses for w in read_reference(" ".join(_names(c)), today().date()).words}
    extra = set()
    for w in ref.words:
        if w.isascii() and len(w) >= 4 and w not in vocab:
            extra.update(difflib.get_close_matches(w, [v for v in vocab if v.isascii()], n=1, cutoff=0.8))
    return Reference(words=ref.words | frozenset(extra)) if extra else ref


def match_courses(text: str, courses: Sequence[CourseOut]) -> CourseMatch:
    """The courses whose code, title (either language) or title words the message names."""
    if not text or not courses:
        return CourseMatch([])
    by_code = [c for c in courses if _code_pattern(c.code).search(text)]
    if by_code:
        return CourseMatch(by_code, strong=True)
    squashed = _squash(text)
    titled = [c for c in courses if any(t and _squash(t) in squashed for t in (c.title_en, c.title_zh))]
    if titled:
        longest = max(max(len(_squash(c.title_en)), len(_squash(c.title_zh))) for c in titled)
        return CourseMatch(
            [c for c in titled if longest in (len(_squash(c.title_en)), len(_squash(c.title_zh)))],
            strong=True,
        )
    ref = _with_close_words(read_reference(text, today().date()), courses)
    if not ref.words:
        return CourseMatch([])
    found = by_name(ref, courses, _names)
    if not found or len(found) == len(courses):
        return CourseMatch([])
    return CourseMatch(found, strong=len(found) == 1 and _singled_out(ref, found[0]))


def _singled_out(ref: Reference, c: CourseOut) -> bool:
    """Whether the words name the course rather than brush it: one of its keywords (what the
    catalogue says it is about: "excel", "git", "压力"), or most of its title. "My manager said ok"
    only brushes "First-time Manager Essentials": enough to show it, not to enrol."""
    day = today().date()
    keywords = read_reference(" ".join(c.keywords or []), day).words
    if any(w == k or (min(len(w), len(k)) >= 4 and w.startswith(k)) for w in ref.words for k in keywords):
        return True  # "interviewing" names the "interview" course
    return _title_named(ref, c)


def _title_named(ref: Reference, c: CourseOut) -> bool:
    """Whether the words hold most of the course's title (either language)."""
    day = today().date()
    return any(
        len(ref.words & words) * 2 >= len(words)
        for title in (c.title_en, c.title_zh)
        if (words := read_reference(title, day).words)
    )


async def show_course(
    pc: PersonnelClient, course_id: int, dispatcher: CollectingDispatcher, lang: str
) -> None:
    """Course details with one enrol/waitlist button per session that is open for enrolment."""
    c = await pc.get_course(course_id)
    title = name_of(c, "title", lang)
    sessions = sorted((s for s in c.sessions if s.open_for_enrolment), key=lambda s: s.start_date)
    if not sessions:
        dispatcher.utter_message(response="utter_course_no_sessions", title=title)
        return
    buttons = []
    for s in sessions[:6]:
        full = s.seats_left <= 0
        if lang == "zh":
            label = ("候补：" if full else "报名：") + format_date(s.start_date, lang)
        else:
            label = ("Join waitlist: " if full else "Enrol: ") + format_date(s.start_date, lang)
        if full and not s.waitlist_enabled:
            continue
        payload = f'/enrol_course{{"session_id":"{s.id}","course_id":"{c.id}"}}'
        buttons.append({"title": label, "payload": payload})
    mandatory = ("，必修" if lang == "zh" else ", mandatory") if c.mandatory else ""
    dispatcher.utter_message(
        response="utter_course_details",
        title=title,
        code=c.code,
        hours=num(c.hours),
        delivery=DELIVERY[lang].get(c.delivery, c.delivery),
        mandatory=mandatory,
        description=name_of(c, "description", lang),
        sessions="\n".join(_session_line(s, lang) for s in sessions[:6]),
        buttons=buttons,
    )


@dataclass
class Named:
    """What the latest message named: one session (a pick from session buttons) or catalogue
    courses; ``strong`` when the message singled the course out (enough to enrol in its only
    session), weak when it only fits (enough to show)."""

    courses: list[CourseOut]
    session_id: int | None = None
    strong: bool = False
    #: the course whose sessions were just offered, when the message points back at it
    again: CourseOut | None = None
    #: ``courses`` are the several choices just offered, and the message picked none of them
    unpicked: bool = False


async def named_in_message(pc: PersonnelClient, tracker: Tracker) -> Named:
    """The course the latest message names, in this order: a course named by code or title (so
    "first aid" is never "the first one"), a pick from the buttons just shown ("the second one",
    "第二个", "that one", a yes to a single choice), the topic through the backend's search, and
    words of the catalogue's titles; else the course whose sessions were just shown."""
    text = typed_text(tracker)
    offers = [o for o in last_offers(tracker) if o.intent in ("course_details", "enrol_course")]
    catalogue = await pc.search_courses()
    by_id = {c.id: c for c in catalogue}
    named = match_courses(text, catalogue)
    topic = next(tracker.get_latest_entity_values("topic"), None)
    if (
        not offers
        and not named.courses
        and not topic
        and latest_intent(tracker) in ("course_details", "enrol_course")
    ):
        # a side question answered in between ("how many hours have I done?"): "sign me up" or
        # "where is it held", naming no course, still means the course shown the turn before
        offers = [o for o in offers_before(tracker) if o.intent in ("course_details", "enrol_course")]
    # courses offered to pick from: details buttons, or enrol buttons naming no session
    offered = [
        i
        for o in offers
        if (o.intent == "course_details" or o.id("session_id") is None) and (i := o.id("course_id")) in by_id
    ]
    if named.courses and offered and (among := [c for c in named.courses if c.id in offered]):
        return Named(among, strong=len(among) == 1)
    if named.strong and len(named.courses) == 1 and ordinal(text) is None:
        return Named(named.courses, strong=True)
    shown = {o.id("course_id") for o in offers if o.id("session_id") is not None} - {None}
    again = by_id.get(next(iter(shown))) if len(shown) == 1 else None
    # a yes, or "sign me up", to a single choice takes it
    chosen = pick(offers, text, affirmed=latest_intent(tracker) in ("affirm", "enrol_course"))
    if chosen is not None and (session_id := chosen.id("session_id")) is not None:
        return Named([], session_id=session_id, strong=True, again=again)
    if chosen is not None and (course := by_id.get(chosen.id("course_id") or 0)) is not None:
        return Named([course], strong=True)
    if named.strong:
        return Named(named.courses, strong=len(named.courses) == 1)
    if topic and (found := await pc.search_courses(query=topic)):
        fitting = {c.id for c in named.courses}
        narrowed = [c for c in found if c.id in fitting] or found
        return Named(narrowed, strong=len(narrowed) == 1)
    if named.courses:
        return Named(named.courses, strong=named.strong)
    # nothing picked from several choices: the same choices again
    return Named([by_id[i] for i in offered], again=again, unpicked=len(offered) > 1)


def offers_before(tracker: Tracker) -> list[Offer]:
    """The buttons of the bot's turn before its last one (the answer to the user message before
    the previous one); none when that turn offered none."""
    users = 0
    for event in reversed(list(tracker.events or [])):
        kind = event.get("event")
        if kind == "user":
            users += 1
            if users > 2:
                break
        elif kind == "bot" and users == 2:
            buttons = (event.get("data") or {}).get("buttons") or []
            if offers := [o for b in buttons if (o := parse_offer(b)) is not None]:
                return offers
    return []


def previous_text(tracker: Tracker) -> str:
    """What the user typed in the message before the latest one (the one the choices answered)."""
    seen_user = False
    for event in reversed(list(tracker.events or [])):
        if event.get("event") != "user":
            continue
        if seen_user:
            text = event.get("text") or ""
            return "" if text.startswith("/") else text
        seen_user = True
    return ""


def singled_out_by(text: str, courses: Sequence[CourseOut]) -> CourseOut | None:
    """The one course among ``courses`` that ``text`` names (one of its keywords or most of its
    title, "a workshop on presenting" -> Presentation Skills) while it only brushes the others
    ("my manager says ..." -> a word of "First-time Manager Essentials"); None when no course or
    several are named alike: then the user is asked, never guessed for."""
    if not text or len(courses) < 2:
        return None
    ref = _with_close_words(read_reference(text, today().date()), courses)
    named = [c for c in courses if ref.words and _singled_out(ref, c)]
    if len(named) > 1:
        # several share the keyword ("项目管理" is a keyword of the agile course too): the one
        # whose title the words hold ("项目管理基础") is meant
        named = [c for c in named if _title_named(ref, c)]
    return named[0] if len(named) == 1 else None


def _open_sessions(c: CourseOut) -> list[SessionOut]:
    return sorted((s for s in c.sessions if s.open_for_enrolment), key=lambda s: s.start_date)


def session_named(c: CourseOut, text: str, *, single: bool) -> SessionOut | None:
    """The session of ``c`` the message names by date ("the Jan 27 one", "3月那期"), or its only
    open session when ``single`` (the message singled the course out)."""
    sessions = _open_sessions(c)
    ref = read_reference(text, today().date()) if text else Reference()
    if ref.dates is not None:
        hits = overlapping(sessions, ref.dates, lambda s: (s.start_date, s.end_date))
        # a date no session fits (or several fit): show the sessions rather than guess
        return hits[0] if len(hits) == 1 else None
    if (n := ordinal(text)) is not None and ("session" in text.lower() or "期" in text or "场" in text):
        index = n - 1 if n > 0 else len(sessions) - 1
        if 0 <= index < len(sessions):
            return sessions[index]
    return sessions[0] if single and len(sessions) == 1 else None


def enrolment_named(tracker: Tracker, rows: Sequence[EnrolmentOut]) -> Resolution:
    """Which of the user's enrolments the message names (by title, code, date or number)."""
    return resolve(
        read_reference(typed_text(tracker), today().date()),
        rows,
        record_id=lambda e: e.id,
        period=lambda e: (e.start_date, e.end_date),
        names=lambda e: (e.title_en, e.title_zh, e.course_code),
    )


def listed_enrolments_last(tracker: Tracker) -> bool:
    """Whether the bot's last turn listed the user's enrolments ("where's that one held" then asks
    about the session they are booked on, not the catalogue)."""
    seen_user = False
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == "action_my_enrolments"
    return False


async def show_enrolled_sessions(
    pc: PersonnelClient, tracker: Tracker, named: Named, dispatcher: CollectingDispatcher, lang: str
) -> bool:
    """Where and when the sessions the user is booked on take place: the one the message names
    (by title, code or date), or all of them when it names none ("that one", "那门课在哪上").
    False when it names a course they are not booked on (the catalogue answers)."""
    current = [e for e in await pc.my_enrolments() if e.status in ("enrolled", "waitlisted")]
    rows = sorted(current, key=lambda e: e.start_date)
    found = enrolment_named(tracker, rows)
    if found.named and found.matches:
        rows = found.matches
    elif named.strong or not rows:
        return False
    lines = []
    for e in rows[:6]:
        course = await pc.get_course(e.course_id)
        session = next((s for s in course.sessions if s.id == e.session_id), None)
        place = session.place if session else "-"
        status = ENROLMENT_STATUS[lang].get(e.status, e.status)
        period = format_period(e.start_date, e.end_date, lang)
        title = name_of(e, "title", lang)
        if lang == "zh":
            lines.append(f"• {title}（{e.course_code}）：{period}，{place}（{status}）")
        else:
            lines.append(f"• {title} ({e.course_code}): {period}, {place} ({status})")
    dispatcher.utter_message(response="utter_enrolment_sessions", lines="\n".join(lines))
    return True


class ActionCourseDetails(BackendAction):
    """Details and sessions of the course picked from the search results."""

    def name(self) -> str:
        return "action_course_details"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        course_id = as_int(tracker.get_slot("course_id"))
        if course_id is not None:
            await show_course(pc, course_id, dispatcher, lang)
            return clear_ids()
        if previous_intent(tracker) == "enrol_course" and bare_pick(typed_text(tracker)):
            # "the second one" to the choices an enrol request got: the enrolment goes on
            return await ActionEnrolCourse().act(pc, who, dispatcher, tracker, domain, lang)
        named = await named_in_message(pc, tracker)
        if listed_enrolments_last(tracker) and await show_enrolled_sessions(
            pc, tracker, named, dispatcher, lang
        ):
            return clear_ids()
        if named.unpicked and (course := singled_out_by(previous_text(tracker), named.courses)):
            # "when and where?" to several courses found: the one the user's search words named
            await show_course(pc, course.id, dispatcher, lang)
        elif named.again is not None or len(named.courses) == 1:
            await show_course(pc, (named.again or named.courses[0]).id, dispatcher, lang)
        elif named.courses:
            list_courses(named.courses, dispatcher, lang)
        else:
            dispatcher.utter_message(response="utter_enrol_pick_course")
        return clear_ids()

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return clear_ids()


def enrolment_key(tracker: Tracker, who: Identity, session_id: int) -> str:
    """The same enrol message retried gives the same key (no double booking); a new request a new one."""
    turn = tracker.latest_message.get("message_id") or next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "user"), ""
    )
    raw = f"{tracker.sender_id}|{who.employee_id}|{session_id}|{turn}"
    return "enrol-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


class ActionEnrolCourse(BackendAction):
    """Enrol in the picked session; the backend puts the user on the waitlist when it is full."""

    def name(self) -> str:
        return "action_enrol_course"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        session_id = as_int(tracker.get_slot("session_id"))
        course_id = as_int(tracker.get_slot("course_id"))
        if session_id is None and course_id is not None:
            # a course picked to enrol in ("Which one?" buttons): its only open session, else
            # its sessions to pick from
            sessions = _open_sessions(await pc.get_course(course_id))
            if len(sessions) != 1:
                await show_course(pc, course_id, dispatcher, lang)
                return clear_ids()
            session_id = sessions[0].id
        if session_id is None:
            session_id = await self._session_named(pc, tracker, dispatcher, lang)
            if session_id is None:
                return clear_ids()
        e = await pc.enrol(session_id, idempotency_key=enrolment_key(tracker, who, session_id))
        announce_enrolment(e, dispatcher, lang)
        return [*clear_ids(), confirm.done("enrolment", e.id)]

    async def _session_named(
        self, pc: PersonnelClient, tracker: Tracker, dispatcher: CollectingDispatcher, lang: str
    ) -> int | None:
        """The session a typed message asks for: picked from the buttons, named by date, or the
        only session of the course it singles out. Otherwise show what fits (the course's
        sessions, or the courses) or ask which course, and return None."""
        text = typed_text(tracker)
        named = await named_in_message(pc, tracker)
        if named.session_id is not None:
            return named.session_id
        course = named.again or (named.courses[0] if len(named.courses) == 1 else None)
        single = named.strong
        if course is None and named.unpicked:
            # "yes, enrol me" to several courses: the one the user's search words named, said
            # first; when the words name none of them or several alike, ask which
            course = singled_out_by(previous_text(tracker), named.courses)
            if course is None:
                ask_which_course(named.courses, dispatcher, lang)
                return None
            dispatcher.utter_message(
                response="utter_enrol_taking", title=name_of(course, "title", lang), code=course.code
            )
            single = True
        if course is not None:
            if (s := session_named(course, text, single=single)) is not None:
                return s.id
            await show_course(pc, course.id, dispatcher, lang)
        elif named.courses:
            list_courses(named.courses, dispatcher, lang)
        elif latest_intent(tracker) == "affirm":
            # a yes with no choice on offer (e.g. after "You're enrolled"): nothing to take
            dispatcher.utter_message(response="utter_enrol_nothing_offered")
        else:
            dispatcher.utter_message(response="utter_enrol_pick_course")
        return None

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return clear_ids()


def ask_which_course(courses: Sequence[CourseOut], dispatcher: CollectingDispatcher, lang: str) -> None:
    """Which of the courses to enrol in: each named, one enrol button each (its only session is
    taken, or its sessions shown)."""
    courses = list(courses)[:8]
    dispatcher.utter_message(
        response="utter_enrol_which_course",
        lines="\n".join(_course_line(c, lang) for c in courses),
        buttons=[
            {"title": name_of(c, "title", lang), "payload": f'/enrol_course{{"course_id":"{c.id}"}}'}
            for c in courses
        ],
    )


def announce_enrolment(e: EnrolmentOut, dispatcher: CollectingDispatcher, lang: str) -> None:
    """Say which happened: a place, or a waitlist position."""
    title = name_of(e, "title", lang)
    if e.status == "waitlisted":
        dispatcher.utter_message(
            response="utter_waitlisted", title=title, enrolment_id=e.id, position=e.waitlist_position or "?"
        )
    else:
        dispatcher.utter_message(
            response="utter_enrolled",
            title=title,
            enrolment_id=e.id,
            start_date=format_date(e.start_date, lang),
            end_date=format_date(e.end_date, lang),
        )


def _enrolment_line(e: EnrolmentOut, lang: str) -> str:
    status = ENROLMENT_STATUS[lang].get(e.status, e.status)
    if e.status == "waitlisted" and e.waitlist_position:
        status += f"（第 {e.waitlist_position} 位）" if lang == "zh" else f" (#{e.waitlist_position})"
    comma, sep = ("，", "：") if lang == "zh" else (", ", ": ")
    period = format_period(e.start_date, e.end_date, lang)
    return f"• #{e.id} {name_of(e, 'title', lang)}{comma}{period}{sep}{status}"


class ActionMyEnrolments(BackendAction):
    """The employee's current enrolments and waitlist places; with none, the courses completed this
    year (the record behind "which courses am I on")."""

    def name(self) -> str:
        return "action_my_enrolments"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        rows = [e for e in await pc.my_enrolments() if e.status in ("enrolled", "waitlisted")]
        if not rows:
            # nothing current: the courses completed this year are what "my courses" still shows
            year = today().year
            done = sorted(
                (
                    r
                    for r in await pc.training_history()
                    if r.status == "completed" and r.end_date.year == year
                ),
                key=lambda r: r.end_date,
            )
            if done:
                lines = "\n".join(completed_line(r, lang) for r in done)
                dispatcher.utter_message(response="utter_enrolments_none_completed", year=year, lines=lines)
            else:
                dispatcher.utter_message(response="utter_enrolments_none")
            return []
        rows.sort(key=lambda e: e.start_date)
        lines = "\n".join(_enrolment_line(e, lang) for e in rows)
        dispatcher.utter_message(response="utter_enrolments", lines=lines)
        return []


class ActionWithdrawCourse(BackendAction):
    """Withdraw from the enrolment picked (a button, or a yes to "Withdraw from ...?"); otherwise find
    the enrolment the message names ("the Python course", "Python那门课", "the one on the 15th") and
    ask first, or offer the current ones as buttons."""

    def name(self) -> str:
        return "action_withdraw_course"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        enrolment_id = confirm.confirmed(tracker, "withdraw_course") or picked_id(tracker, "enrolment_id")
        if enrolment_id is not None:
            e = await pc.withdraw(enrolment_id)
            dispatcher.utter_message(
                response="utter_withdrawn",
                title=name_of(e, "title", lang),
                start_date=format_date(e.start_date, lang),
            )
            made_just_now = confirm.just_done(tracker, "enrolment") == ("enrolment", e.id)
            return [*self.on_error(tracker), *([confirm.undone()] if made_just_now else [])]
        rows = sorted(
            (e for e in await pc.my_enrolments() if e.status in ("enrolled", "waitlisted")),
            key=lambda e: e.start_date,
        )
        if not rows:
            dispatcher.utter_message(response="utter_enrolments_none")
            return self.on_error(tracker)
        offered = [o for o in last_offers(tracker) if o.intent == "withdraw_course"]
        if (chosen := pick(offered, typed_text(tracker))) is not None:
            rows = [e for e in rows if e.id == chosen.id("enrolment_id")] or rows
            if len(rows) == 1 and rows[0].withdrawable:
                return self._ask(dispatcher, rows[0], lang)
        found = enrolment_named(tracker, rows)
        if found.named and len(found.matches) == 1:
            e = found.matches[0]
            if e.withdrawable:
                return self._ask(dispatcher, e, lang)
            refusal = PersonnelError(e.withdraw_refusal or "invalid_state", "", 409, {"enrolment_id": e.id})
            explain_error(dispatcher, domain, refusal, lang)
            return self.on_error(tracker)
        if not found.named and (recent := self._just_made(tracker, rows)) is not None:
            # "actually drop me from that one" / "算了，还是退掉吧" right after enrolling: that one
            return self._ask(dispatcher, recent, lang)
        if found.named and not found.matches:
            dispatcher.utter_message(response="utter_withdraw_none_matching")
        pool = (found.matches if found.named and found.matches else rows)[:8]
        buttons: list[dict[str, Any]] = [
            {
                "title": f"{name_of(e, 'title', lang)} {format_date(e.start_date, lang)}",
                "payload": f'/withdraw_course{{"enrolment_id":"{e.id}"}}',
            }
            for e in pool
            if e.withdrawable
        ]
        dispatcher.utter_message(
            response="utter_withdraw_pick",
            buttons=buttons,
            lines="\n".join(_enrolment_line(e, lang) for e in pool),
        )
        return self.on_error(tracker)

    @staticmethod
    def _ask(dispatcher: CollectingDispatcher, e: EnrolmentOut, lang: str) -> list[EventType]:
        values = {"title": name_of(e, "title", lang), "start_date": format_date(e.start_date, lang)}
        return [*clear_ids(), *confirm.ask(dispatcher, "withdraw_course", e.id, **values)]

    @staticmethod
    def _just_made(tracker: Tracker, rows: Sequence[EnrolmentOut]) -> EnrolmentOut | None:
        """The enrolment this conversation made a moment ago, if it can still be withdrawn."""
        recent = confirm.just_done(tracker, "enrolment")
        made = next((e for e in rows if recent and e.id == recent[1]), None)
        return made if made is not None and made.withdrawable else None

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [*clear_ids(), *confirm.cleared("withdraw_course")]
