"""Follow-ups about the user's records and a manager's approvals, end to end (real Rasa model,
action server and backend), in English, Chinese and mixed: after a balance answer "what about next
year" shows next year's allowance and "and sick?" the sick leave balance; a colleague's balance is
refused rather than answered with the user's own; a manager approves a report's request named by
name and days, and a rejection whose reason is in the message is not asked for it again; "where is
it held" after the enrolments gives the room; the training record lists the courses done."""

from __future__ import annotations

import re

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def _allocated(stack: Stack, employee: str, year: int, kind: str) -> float:
    rows = stack.backend_get(f"/leave/balances?employee_id={employee}&year={year}", "E1003")
    return next(r["allocated"] for r in rows if r["leave_type"] == kind)


def test_balance_follow_ups_name_a_year_or_a_type_in_english(stack: Stack) -> None:
    say = stack.chat("E1033")
    this_year = say("how much annual leave have I got left?")
    assert "2026" in this_year and "Annual leave" in this_year, this_year
    nxt = say("and next yr?")
    assert "2027" in nxt and f"{_allocated(stack, 'E1033', 2027, 'annual'):g} days left" in nxt, nxt
    sick = say("what about sick?")
    assert "Sick leave" in sick and "days left" in sick, sick


def test_balance_follow_up_for_next_year_in_chinese_and_mixed(stack: Stack) -> None:
    say = stack.chat("E1020")
    assert "年假" in say("我还有多少天年假")
    mixed = say("那 next year 的呢?")
    assert "2027" in mixed and "年假" in mixed, mixed
    assert f"剩余 {_allocated(stack, 'E1020', 2027, 'annual'):g} 天" in mixed, mixed


@pytest.mark.parametrize(
    ("text", "said"),
    [("could you pull up wang wei's leave balance for me", "only"), ("帮我查一下王伟还剩几天年假", "只能")],
)
def test_a_colleagues_balance_is_refused_not_answered_with_ones_own(
    stack: Stack, text: str, said: str
) -> None:
    reply = stack.chat("E1001")(text)
    assert said in reply and "days left" not in reply and "剩余" not in reply, reply


@pytest.mark.parametrize(
    ("text", "said"), [("what's zhao min's salary", "only"), ("王伟的合同什么时候到期", "只能")]
)
def test_a_colleagues_record_is_refused_and_ones_own_not_shown(stack: Stack, text: str, said: str) -> None:
    me = stack.backend_get("/employees/E1001", "E1001")
    reply = stack.chat("E1001")(text)
    assert said in reply, reply
    assert f"{float(me['salary']):,.2f}" not in reply and "2019" not in reply, reply


def test_a_manager_approves_a_request_named_by_name_and_days(stack: Stack) -> None:
    emily = next(
        a
        for a in stack.leave_requests("E1007").values()
        if a["from_date"] == "2026-12-14" and a["status"] == "open"
    )
    own_before = set(stack.leave_requests("E1008"))
    say = stack.chat("E1008")
    asked = say("can you approve emily's holiday request for the 14th to the 18th please")
    assert "Emily" in asked and f"#{emily['id']}" in asked, asked
    assert "Approved" in say("yes")
    assert stack.leave_requests("E1007")[emily["id"]]["status"] == "approved"
    assert set(stack.leave_requests("E1008")) == own_before  # nothing applied for the manager


def test_a_rejection_with_its_reason_in_the_message_is_confirmed_not_asked_for_the_reason(
    stack: Stack,
) -> None:
    """Named in words, the rejection asks first (whose request, which days, the reason the employee
    will see), as an approval named in words does; the reason is not asked for again."""
    ting = next(
        a
        for a in stack.leave_requests("E1013").values()
        if a["from_date"] == "2026-12-07" and a["status"] == "open"
    )
    say = stack.chat("E1002")
    assert "徐婷" in say("有哪些请假在等我审批?")
    asked = say("把徐婷12月7号到8号的假驳回, 理由: 那周要发版")
    assert "徐婷" in asked and "那周要发版" in asked and "已驳回" not in asked, asked
    assert stack.leave_requests("E1013")[ting["id"]]["status"] == "open"
    done = say("是的")
    assert "已驳回" in done and "那周要发版" in done, done
    assert stack.leave_requests("E1013")[ting["id"]]["status"] == "rejected"


def test_training_record_follow_ups(stack: Stack) -> None:
    say = stack.chat("E1009")
    booked = say("which training sessions am I booked on?")
    assert "Dashboards" in booked, booked
    where = say("where is it taking place?")
    assert re.search(r"Room \d+", where), where
    record = say("list the trainings I completed this year")
    assert "COMP-001" in record and "Completed in 2026" in record, record
