"""A course named in free text reaches enrolment: by its title (whole or in part, either language),
by its code, or picked from the list the bot just showed ("the second one", "第二个", a yes when
only one was offered; a yes to several takes the one the search words named, else asks which).
The actions run against the real backend; each test uses its own employee, so the enrolments they
make do not collide."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.training import ActionCourseDetails, ActionEnrolCourse, ActionSearchCourses, ActionWithdrawCourse
from tests.actions.helpers import Backend, make_tracker, responses

pytestmark = pytest.mark.usefixtures("action_settings")


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def as_bot_events(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The dispatcher's messages as the bot events Rasa later sends back in the tracker."""
    return [
        {
            "event": "bot",
            "text": m.get("text") or m.get("response"),
            "data": {"buttons": m.get("buttons") or []},
            "metadata": {"utter_action": m.get("response")},
        }
        for m in dispatcher.messages
    ]


def enrolled_codes(backend: Backend, employee: str) -> set[str]:
    courses = {c["id"]: c["code"] for c in backend.get("/training/courses")}
    sessions = {s["id"]: courses[c["id"]] for c in backend.get("/training/courses") for s in c["sessions"]}
    return {
        sessions[e["session_id"]]
        for e in backend.get("/training/enrolments", employee=employee)
        if e["status"] in ("enrolled", "waitlisted")
    }


async def say_enrol(
    domain: dict[str, Any],
    employee: str,
    text: str,
    *,
    lang: str = "en",
    intent: str = "enrol_course",
    before: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=employee,
        lang=lang,
        intent=intent,
        text=text,
        entities=entities,
        slots=slots,
        events=[*(before or []), user(text, intent)],
    )
    await ActionEnrolCourse().run(dispatcher, tracker, domain)
    return dispatcher


@pytest.mark.parametrize(
    ("employee", "lang", "text", "code"),
    [
        ("E1004", "en", "Please enrol me in Presentation Skills", "COM-102"),
        ("E1005", "en", "sign me up for com-101 please", "COM-101"),
        ("E1006", "en", "I'd like the business chinese one", "LANG-101"),
        ("E1007", "zh", "帮我报名演讲与呈现技巧", "COM-102"),
        ("E1008", "zh", "我想报英文商务写作那门课", "COM-101"),
        ("E1009", "zh", "报名COMP-002", "COMP-002"),
    ],
)
async def test_a_course_named_in_words_is_enrolled(
    backend: Backend, domain: dict[str, Any], employee: str, lang: str, text: str, code: str
) -> None:
    """Named by title, part of it or code, with no topic entity: the only open session is taken."""
    dispatcher = await say_enrol(domain, employee, text, lang=lang)
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    assert code in enrolled_codes(backend, employee)


async def test_a_misspelt_title_word_still_finds_the_course(backend: Backend, domain: dict[str, Any]) -> None:
    dispatcher = await say_enrol(domain, "E1010", "enrol me in the presentaton skils course")
    assert responses(dispatcher) == ["utter_enrolled"]
    assert "COM-102" in enrolled_codes(backend, "E1010")


async def test_a_name_several_courses_share_offers_them(domain: dict[str, Any]) -> None:
    dispatcher = await say_enrol(domain, "E1011", "enrol me in a data analysis course")
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_courses_found" and len(msg["buttons"]) > 1


async def search(
    domain: dict[str, Any], employee: str, text: str, topic: str | None, lang: str
) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    await ActionSearchCourses().run(
        dispatcher,
        make_tracker(
            employee=employee,
            lang=lang,
            intent="search_courses",
            text=text,
            entities=[{"entity": "topic", "value": topic}] if topic else [],
        ),
        domain,
    )
    return dispatcher


@pytest.mark.parametrize(
    ("employee", "lang", "pick_text", "intent", "index"),
    [
        ("E1012", "en", "the second one", "enrol_course", 1),
        ("E1013", "zh", "第二个", "enrol_course", 1),
        ("E1014", "en", "I'll take the last one", "enrol_course", -1),
        ("E1015", "en", "the sql one", "enrol_course", None),
    ],
)
async def test_a_pick_from_the_list_just_shown_is_enrolled(
    backend: Backend,
    domain: dict[str, Any],
    employee: str,
    lang: str,
    pick_text: str,
    intent: str,
    index: int | None,
) -> None:
    """After a search list, the course is picked by position or by a word of its title."""
    listed = await search(domain, employee, "data analysis courses", "data analysis", lang)
    buttons = listed.messages[0]["buttons"]
    assert len(buttons) >= 3
    before = [user("data analysis courses", "search_courses"), *as_bot_events(listed)]
    dispatcher = await say_enrol(domain, employee, pick_text, lang=lang, intent=intent, before=before)
    course_ids = [b["payload"].split('"course_id":"')[1].split('"')[0] for b in buttons]
    codes = {str(c["id"]): c["code"] for c in backend.get("/training/courses")}
    expected = "DA-201" if index is None else codes[course_ids[index]]
    if expected == "DA-102" and responses(dispatcher) == ["utter_error_prerequisite_missing"]:
        return  # DA-102 needs DA-101 first (E1013 has it): the backend's refusal is the answer
    assert responses(dispatcher) in (["utter_enrolled"], ["utter_waitlisted"]), dispatcher.messages
    assert expected in enrolled_codes(backend, employee)


@pytest.mark.parametrize(("employee", "lang", "yes"), [("E1016", "en", "yes"), ("E1017", "zh", "好")])
async def test_a_yes_to_a_single_course_offered_enrols(
    backend: Backend, domain: dict[str, Any], employee: str, lang: str, yes: str
) -> None:
    listed = await search(domain, employee, "any excel course?", "excel", lang)
    assert len(listed.messages[0]["buttons"]) == 1
    before = [user("any excel course?", "search_courses"), *as_bot_events(listed)]
    dispatcher = await say_enrol(domain, employee, yes, lang=lang, intent="affirm", before=before)
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    assert "DA-101" in enrolled_codes(backend, employee)


def course_ids(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["payload"].split('"course_id":"')[1].split('"')[0] for b in dispatcher.messages[-1]["buttons"]]


@pytest.mark.parametrize(
    ("employee", "lang", "text", "yes"),
    [
        ("E1030", "en", "any workshop on presenting? my manager says I ramble in meetings", "yes, enrol me"),
        ("E1031", "zh", "有没有练演讲的培训？经理说我开会时讲话没重点", "好的帮我报"),
    ],
)
async def test_yes_to_several_courses_takes_the_one_the_search_words_named(
    backend: Backend, domain: dict[str, Any], employee: str, lang: str, text: str, yes: str
) -> None:
    """The list holds Presentation Skills (named: "presenting", "演讲", one of its keywords) and the
    manager course (only brushed by a word of its title): the yes enrols in the first, saying which
    before it does."""
    listed = await search(domain, employee, text, None, lang)
    codes = {str(c["id"]): c["code"] for c in backend.get("/training/courses")}
    assert {"COM-102", "LD-101"} <= {codes[i] for i in course_ids(listed)}, listed.messages
    before = [user(text, "search_courses"), *as_bot_events(listed)]
    dispatcher = await say_enrol(domain, employee, yes, lang=lang, before=before)
    assert responses(dispatcher) == ["utter_enrol_taking", "utter_enrolled"], dispatcher.messages
    assert dispatcher.messages[0]["code"] == "COM-102"
    assert enrolled_codes(backend, employee) == {"COM-102"}


@pytest.mark.parametrize(
    ("employee", "lang", "text", "topic", "yes", "pick"),
    [
        (
            "E1032",
            "en",
            "what data analysis courses are there",
            "data analysis",
            "yes please enrol me",
            "the first one",
        ),
        ("E1033", "zh", "有没有数据分析的课", "数据分析", "好的帮我报", "第一个"),
    ],
)
async def test_yes_to_courses_the_words_fit_alike_asks_which_then_the_pick_enrols(
    backend: Backend,
    domain: dict[str, Any],
    employee: str,
    lang: str,
    text: str,
    topic: str,
    yes: str,
    pick: str,
) -> None:
    """Every data course fits "data analysis" alike: no guess, the courses are named again with one
    enrol button each, and nothing is booked until the user picks."""
    listed = await search(domain, employee, text, topic, lang)
    offered = course_ids(listed)
    assert len(offered) >= 3
    before = [user(text, "search_courses"), *as_bot_events(listed)]
    asked = await say_enrol(domain, employee, yes, lang=lang, before=before)
    [msg] = asked.messages
    assert msg["response"] == "utter_enrol_which_course", asked.messages
    assert [b["payload"] for b in msg["buttons"]] == [f'/enrol_course{{"course_id":"{i}"}}' for i in offered]
    catalogue = backend.get("/training/courses")
    titles = {str(c["id"]): c["title_zh" if lang == "zh" else "title_en"] for c in catalogue}
    assert all(titles[i] in msg["lines"] for i in offered)
    assert not enrolled_codes(backend, employee)

    so_far = [*before, user(yes, "enrol_course"), *as_bot_events(asked)]
    again = await say_enrol(domain, employee, "yes", lang=lang, intent="affirm", before=so_far)
    assert responses(again) == ["utter_enrol_which_course"]  # a second yes picks nothing either
    done = await say_enrol(domain, employee, pick, lang=lang, before=so_far)
    assert responses(done) in (["utter_enrolled"], ["utter_waitlisted"]), done.messages
    codes = {str(c["id"]): c["code"] for c in catalogue}
    assert enrolled_codes(backend, employee) == {codes[offered[0]]}


async def test_the_which_course_button_enrols_in_its_only_session(
    backend: Backend, domain: dict[str, Any]
) -> None:
    course = next(c for c in backend.get("/training/courses") if c["code"] == "COM-101")
    button = f'/enrol_course{{"course_id":"{course["id"]}"}}'
    dispatcher = await say_enrol(domain, "E1034", button, slots={"course_id": str(course["id"])})
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    assert enrolled_codes(backend, "E1034") == {"COM-101"}


async def test_a_yes_with_nothing_on_offer_changes_nothing(backend: Backend, domain: dict[str, Any]) -> None:
    before = [{"event": "bot", "text": "You're enrolled", "data": {}, "metadata": {}}]
    dispatcher = await say_enrol(domain, "E1018", "ok", intent="affirm", before=before)
    assert responses(dispatcher) == ["utter_enrol_nothing_offered"]
    assert not enrolled_codes(backend, "E1018")


@pytest.mark.parametrize(
    ("employee", "lang", "text", "named"),
    [
        (
            "E1045",
            "en",
            "please put me on Data Analysis with Python",
            "Data Analysis Fundamentals with Excel (DA-101)",
        ),
        ("E1046", "zh", "我想报Python数据分析", "Excel数据分析基础（DA-101）"),
    ],
)
async def test_a_missing_prerequisite_is_named(
    backend: Backend, domain: dict[str, Any], employee: str, lang: str, text: str, named: str
) -> None:
    """The backend refuses (DA-102 needs DA-101); the reply says which course to take first, by
    title and code in the user's language, not just "complete the prerequisites"."""
    dispatcher = await say_enrol(domain, employee, text, lang=lang)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_error_prerequisite_missing", dispatcher.messages
    assert msg["missing_courses"] == named
    course = "Python数据分析（DA-102）" if lang == "zh" else "Data Analysis with Python (DA-102)"
    assert msg["course"] == course
    for variant in domain["responses"]["utter_error_prerequisite_missing"]:
        assert "{missing_courses}" in variant["text"] and "{course}" in variant["text"]
    assert "DA-102" not in enrolled_codes(backend, employee)


async def test_sign_me_up_after_the_sessions_shown_takes_the_only_one(
    backend: Backend, domain: dict[str, Any]
) -> None:
    """Details shown (one session button), then "sign me up for this course": that session."""
    details = CollectingDispatcher()
    await ActionCourseDetails().run(
        details,
        make_tracker(employee="E1019", intent="course_details", text="tell me about Coaching and Feedback"),
        domain,
    )
    [msg] = details.messages
    assert msg["response"] == "utter_course_details" and len(msg["buttons"]) == 1
    before = [user("tell me about Coaching and Feedback", "course_details"), *as_bot_events(details)]
    dispatcher = await say_enrol(domain, "E1019", "sign me up for this course", before=before)
    # LD-201 needs LD-101 first: the backend refuses, and says why
    assert responses(dispatcher) == ["utter_error_prerequisite_missing"], dispatcher.messages


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "what is SQL for Analysts about?"), ("zh", "面向分析师的SQL这门课介绍一下")]
)
async def test_details_of_a_course_named_in_words(domain: dict[str, Any], lang: str, text: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionCourseDetails().run(
        dispatcher, make_tracker(lang=lang, intent="course_details", text=text), domain
    )
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_course_details" and msg["code"] == "DA-201"


async def test_withdraw_picked_by_position_asks_first(backend: Backend, domain: dict[str, Any]) -> None:
    for text in ("enrol me in Presentation Skills", "enrol me in Business Writing in English"):
        assert responses(await say_enrol(domain, "E1020", text)) == ["utter_enrolled"]
    listed = CollectingDispatcher()
    await ActionWithdrawCourse().run(
        listed,
        make_tracker(employee="E1020", intent="withdraw_course", text="withdraw me from a course"),
        domain,
    )
    [msg] = listed.messages
    assert msg["response"] == "utter_withdraw_pick" and len(msg["buttons"]) == 2
    second = msg["buttons"][1]["payload"].split('"enrolment_id":"')[1].split('"')[0]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee="E1020",
        lang="zh",
        intent="withdraw_course",
        text="第二个",
        events=[
            user("withdraw me from a course", "withdraw_course"),
            *as_bot_events(listed),
            user("第二个", "withdraw_course"),
        ],
    )
    events = await ActionWithdrawCourse().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_withdraw_confirm"]
    assert {"event": "slot", "name": "enrolment_id", "value": second} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


async def details(
    domain: dict[str, Any], employee: str, text: str, before: list[dict[str, Any]], lang: str = "en"
) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        employee=employee,
        lang=lang,
        intent="course_details",
        text=text,
        events=[*before, user(text, "course_details")],
    )
    await ActionCourseDetails().run(dispatcher, tracker, domain)
    return dispatcher


@pytest.mark.parametrize(("lang", "pick_text"), [("en", "the second one"), ("zh", "第二个")])
async def test_a_pick_after_a_search_shows_that_course(
    backend: Backend, domain: dict[str, Any], lang: str, pick_text: str
) -> None:
    """The search list says "pick one for details": a bare pick shows it and enrols no one."""
    listed = await search(domain, "E1021", "data analysis courses", "data analysis", lang)
    second = listed.messages[0]["buttons"][1]["payload"].split('"course_id":"')[1].split('"')[0]
    before = [user("data analysis courses", "search_courses"), *as_bot_events(listed)]
    dispatcher = await details(domain, "E1021", pick_text, before, lang)
    [msg] = dispatcher.messages
    codes = {str(c["id"]): c["code"] for c in backend.get("/training/courses")}
    assert msg["response"] == "utter_course_details" and msg["code"] == codes[second]
    assert not enrolled_codes(backend, "E1021")


async def test_a_pick_after_an_enrol_request_enrols(backend: Backend, domain: dict[str, Any]) -> None:
    """ "Enrol me in a compliance course" lists several; "the last one" (read as a details request)
    goes on with the enrolment."""
    text = "enrol me in a compliance course"
    entities = [{"entity": "topic", "value": "compliance"}]
    listed = await say_enrol(domain, "E1022", text, entities=entities)
    [msg] = listed.messages
    assert msg["response"] == "utter_courses_found" and len(msg["buttons"]) > 1
    last = msg["buttons"][-1]["payload"].split('"course_id":"')[1].split('"')[0]
    before = [user(text, "enrol_course"), *as_bot_events(listed)]
    dispatcher = await details(domain, "E1022", "the last one", before)
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    codes = {str(c["id"]): c["code"] for c in backend.get("/training/courses")}
    assert codes[last] in enrolled_codes(backend, "E1022")


@pytest.mark.parametrize(
    ("employee", "text"),
    [
        ("E1023", "sign me up, my manager already said ok"),  # brushes "First-time Manager Essentials"
        ("E1024", "enrol me in the cloud architecture course next month"),  # its session is in January
    ],
)
async def test_a_course_only_brushed_or_a_date_that_does_not_fit_shows_sessions_and_books_nothing(
    backend: Backend, domain: dict[str, Any], employee: str, text: str
) -> None:
    dispatcher = await say_enrol(domain, employee, text)
    assert responses(dispatcher) == ["utter_course_details"], dispatcher.messages
    assert not enrolled_codes(backend, employee)


@pytest.mark.parametrize(
    ("lang", "text", "code"),
    [
        ("en", "is there a git course coming up? my code reviews are a mess", "SW-101"),
        ("en", "any class on presentation skills? I freeze in front of people", "COM-102"),
        ("zh", "最近压力好大，有没有相关的培训课？", None),
    ],
)
async def test_a_search_without_a_topic_lists_the_courses_its_words_name(
    domain: dict[str, Any], backend: Backend, lang: str, text: str, code: str | None
) -> None:
    """The NLU found no topic: the list is the courses the message names, not the whole catalogue."""
    dispatcher = CollectingDispatcher()
    await ActionSearchCourses().run(
        dispatcher, make_tracker(lang=lang, intent="search_courses", text=text, entities=[]), domain
    )
    [msg] = dispatcher.messages
    catalogue = backend.get("/training/courses")
    assert msg["response"] == "utter_courses_found"
    assert 0 < len(msg["buttons"]) < min(len(catalogue), 8), msg["buttons"]
    if code:
        ids = {c["id"] for c in catalogue if c["code"] == code}
        assert any(str(next(iter(ids))) in b["payload"] for b in msg["buttons"]), msg["buttons"]


@pytest.mark.parametrize(
    ("employee", "lang", "search_text", "side", "enrol_text"),
    [
        ("E1028", "en", "any sql course?", "how many training hours have I done?", "ok sign me up"),
        ("E1029", "zh", "有SQL的课吗", "我今年学时够了吗", "那帮我报上"),
    ],
)
async def test_enrolling_after_a_side_question_takes_the_course_shown_before_it(
    backend: Backend,
    domain: dict[str, Any],
    employee: str,
    lang: str,
    search_text: str,
    side: str,
    enrol_text: str,
) -> None:
    """One course shown, a question about something else answered (no buttons), then "sign me up":
    the course shown is meant, not "which course?"."""
    listed = await search(domain, employee, search_text, "SQL", lang)
    assert len(listed.messages[0]["buttons"]) == 1
    before = [
        user(search_text, "search_courses"),
        *as_bot_events(listed),
        user(side, "show_training_hours"),
        {"event": "bot", "text": "2026: 2 of 24 hours", "data": {"buttons": []}, "metadata": {}},
    ]
    dispatcher = await say_enrol(domain, employee, enrol_text, lang=lang, before=before)
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    assert "DA-201" in enrolled_codes(backend, employee)


@pytest.mark.parametrize(
    ("employee", "lang", "text"),
    [("E1042", "en", "fine, put me in the excel one first then"), ("E1043", "zh", "那先报Excel那门吧")],
)
async def test_a_course_named_after_a_refusal_is_not_the_course_shown_before(
    backend: Backend, domain: dict[str, Any], employee: str, lang: str, text: str
) -> None:
    """Python shown, its enrolment refused (DA-101 first), then "the excel one": the course named
    wins over the one shown two turns back."""
    listed = await search(domain, employee, "python course?", "python", lang)
    assert len(listed.messages[0]["buttons"]) == 1
    before = [
        user("python course?", "search_courses"),
        *as_bot_events(listed),
        user("enroll me", "enrol_course"),
        {"event": "bot", "text": "DA-101 first", "data": {"buttons": []}, "metadata": {}},
    ]
    dispatcher = await say_enrol(domain, employee, text, lang=lang, before=before)
    assert responses(dispatcher) == ["utter_enrolled"], dispatcher.messages
    assert "DA-101" in enrolled_codes(backend, employee)


@pytest.mark.parametrize(
    ("lang", "text", "topic", "when"),
    [
        ("en", "project management courses", "project management", "when does it start and where?"),
        ("zh", "有讲项目管理的课程吗", "项目管理", "什么时候开课，在哪个教室"),
    ],
)
async def test_when_and_where_after_several_found_shows_the_one_the_search_words_named(
    backend: Backend, domain: dict[str, Any], lang: str, text: str, topic: str, when: str
) -> None:
    """Several courses found (the agile one shares the project-management keyword); "when and
    where?" names none of them: the one whose title the search words hold is shown, not the list."""
    listed = await search(domain, "E1041", text, topic, lang)
    assert len(listed.messages[0]["buttons"]) > 1
    before = [user(text, "search_courses"), *as_bot_events(listed)]
    dispatcher = await details(domain, "E1041", when, before, lang)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_course_details" and msg["code"] == "PM-101", msg


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "is there a course on public speaking? I give a big talk in January"),
        ("zh", "有没有演讲方面的培训？我一月份要在大会上发言"),
    ],
)
async def test_a_course_named_with_a_date_about_something_else_is_still_found(
    domain: dict[str, Any], lang: str, text: str
) -> None:
    """The date in the message is when the talk is, not when the course runs: the course the words
    name is shown with its own dates, not the unrelated courses of that month."""
    dispatcher = await search(domain, "E1044", text, None, lang)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_courses_found" and "COM-102" in msg["lines"], msg


@pytest.mark.parametrize(
    ("lang", "text", "topic"),
    [
        ("en", "any presentaton skils workshop?", "presentaton skils"),
        ("zh", "有没有演讲与呈现技能的课", "演讲与呈现技能"),
    ],
)
async def test_a_misspelt_topic_the_catalogue_search_misses_still_finds_the_course(
    domain: dict[str, Any], lang: str, text: str, topic: str
) -> None:
    dispatcher = await search(domain, "E1044", text, topic, lang)
    [msg] = dispatcher.messages
    assert msg["response"] == "utter_courses_found" and "COM-102" in msg["lines"], msg
