"""Enrolling in a course named the way people name it, end to end: by its title or part of it with
no topic word the model knows, by picking from the list just shown ("the last one", then a yes),
and by a yes to several courses (the one the search words named, said first; else "which one?").
The real Rasa server and model, action server and backend over HTTP, in both languages; what each
conversation changed is read back from the backend. "Today" is Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def enrolled_codes(stack: Stack, employee: str) -> set[str]:
    courses = stack.backend_get("/training/courses", employee)
    code_of = {s["id"]: c["code"] for c in courses for s in c["sessions"]}
    return {
        code_of[e["session_id"]]
        for e in stack.backend_get("/training/enrolments", employee)
        if e["status"] in ("enrolled", "waitlisted")
    }


def test_search_then_the_last_one_then_yes_enrols(stack: Stack) -> None:
    say = stack.chat("E1031")
    listed = say("what data analysis courses are there?")
    assert "SQL for Analysts" in listed.splitlines()[-2], listed  # the last course listed
    shown = say("the last one")
    assert "SQL for Analysts (DA-201)" in shown, shown
    assert not enrolled_codes(stack, "E1031")  # a pick shows the course; nothing booked yet
    done = say("yes")
    assert "enrolled in SQL for Analysts" in done, done
    assert enrolled_codes(stack, "E1031") == {"DA-201"}


def test_a_title_typed_in_chinese_enrols(stack: Stack) -> None:
    say = stack.chat("E1032")
    reply = say("帮我报名演讲与呈现技巧")
    assert "已为您报名 演讲与呈现技巧" in reply, reply
    assert enrolled_codes(stack, "E1032") == {"COM-102"}


def test_a_loose_name_enrols_and_a_chinese_pick_from_a_list_too(stack: Stack) -> None:
    say = stack.chat("E1033")
    reply = say("sign me up for the excel one")
    assert "enrolled in Data Analysis Fundamentals with Excel" in reply, reply
    say = stack.chat("E1033")
    listed = say("有哪些合规培训？")
    assert "数据隐私与个人信息保护法" in listed, listed
    shown = say("第二个")
    assert "数据隐私与个人信息保护法（COMP-003）：" in shown, shown  # its details, not the list
    done = say("好")
    assert "已为您报名 数据隐私与个人信息保护法" in done, done
    assert enrolled_codes(stack, "E1033") == {"DA-101", "COMP-003"}


def test_yes_after_two_courses_takes_the_one_the_search_named(stack: Stack) -> None:
    say = stack.chat("E1039")
    listed = say("any workshop on presenting? my manager says I ramble in meetings")
    assert "Presentation Skills" in listed and "First-time Manager Essentials" in listed, listed
    done = say("yes, enrol me")
    assert "Presentation Skills (COM-102) is the one" in done, done
    assert "enrolled in Presentation Skills" in done, done
    assert enrolled_codes(stack, "E1039") == {"COM-102"}


def test_yes_after_courses_that_fit_alike_asks_which_and_the_pick_enrols(stack: Stack) -> None:
    say = stack.chat("E1041")
    listed = say("有没有数据分析的课")
    assert "Excel数据分析基础" in listed and "面向分析师的SQL" in listed, listed
    asked = say("好的帮我报")
    assert "要为您报名哪一门" in asked and "Excel数据分析基础" in asked, asked
    assert not enrolled_codes(stack, "E1041")  # nothing guessed
    done = say("第一个")
    assert "已为您报名 Excel数据分析基础" in done, done
    assert enrolled_codes(stack, "E1041") == {"DA-101"}
