"""Enrolling in a course named the way people name it, end to end: by its title or part of it with
no topic word the model knows, and by picking from the list just shown ("the last one", then a
yes). The real Rasa server and model, action server and backend over HTTP, in both languages;
what each conversation changed is read back from the backend. "Today" is Monday 2026-11-23."""

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
