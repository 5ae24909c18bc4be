"""Short follow-ups after a policy answer, and first messages that are easy to misread, end to end
(real Rasa model, action server, backend and knowledge base), in both languages: "and on a
Saturday?" and "难产的话呢" are answered in the context of the question before (from a source in the
user's language when the context finds one), and so is a longer one that leans on it ("and if my
boss never let me take them…"); a long message about
a death in the family gets the policy, not the leave balances; a request to change the bank account
for the salary is told that HR makes the change (no salary shown) and a yes opens the HR case; a
leave type named right after a balance answer gets that type's balance; asking how to reach HR gets
HR's contact details from the documents and opens no case."""

from __future__ import annotations

import re

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


def test_follow_ups_in_english_are_read_with_the_previous_question(stack: Stack) -> None:
    say = stack.chat("E1004")
    assert "150%" in say("How is overtime paid?")
    saturday = say("and on a Saturday?")
    assert "200%" in saturday, saturday
    assert "3 working days" in say("how many days of marriage leave do I get?")
    sick = say("what about sick leave?")
    assert "medical certificate" in sick, sick


def test_follow_ups_in_chinese_are_read_with_the_previous_question(stack: Stack) -> None:
    say = stack.chat("E1001")
    assert "98天" in say("产假有多少天？")
    harder = say("难产的话呢")
    assert "15天" in harder, harder
    assert "150%" in say("工作日加班工资怎么算？")
    saturday = say("那周六呢")
    assert "200%" in saturday, saturday


def test_a_longer_follow_up_is_read_with_the_previous_question_in_both_languages(stack: Stack) -> None:
    """A follow-up of a dozen words that leans on the question before ("my days", "那些没休的")
    is answered with it; alone the documents do not say."""
    say = stack.chat("E1006")
    assert "first quarter" in say("is it possible to carry unused annual leave into next year?")
    busy = say("and if my boss never let me take them because we were so busy?")
    assert "300%" in busy, busy
    say = stack.chat("E1003")
    assert "第一季度" in say("年假今年没休完能留到明年吗？")
    busy = say("那如果是因为工作太忙领导一直不批，那些没休的天数怎么办呢")
    assert "300%" in busy, busy


def test_a_chinese_follow_up_keeps_the_chinese_source_the_context_found(stack: Stack) -> None:
    # alone, "国庆那几天加班呢" ranks the English handbook's overtime section first (graded on the
    # lower cross-language thresholds); with the question before, the Chinese regulation answers
    say = stack.chat("E1002")
    say("周末加班的话是补休还是算钱？")
    holiday = say("国庆那几天加班呢")
    assert "法定休假日" in holiday and "英文" not in holiday, holiday


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Sorry for the long message. My grandmother passed away on Saturday and the funeral is "
            "next Thursday in my home town. How many days of leave do staff get when a family member dies?",
            "bereavement",
        ),
        ("我爸爸前天走了，家里乱成一团，想问一下按规定丧假能休几天？", "丧假"),
    ],
)
def test_a_long_message_about_a_bereavement_gets_the_policy_not_the_balances(
    stack: Stack, message: str, expected: str
) -> None:
    reply = stack.chat("E1005")(message)
    assert expected in reply and ("3 working days" in reply or "3个工作日" in reply), reply


def test_a_bank_account_change_is_for_hr_and_a_yes_opens_the_case(stack: Stack) -> None:
    salary = stack.backend_get("/records/profile", "E1001")["salary"]
    say = stack.chat("E1001")
    told = say("I need to change the bank account my salary is paid into")
    assert "HR" in told and "can't change" in told, told
    assert str(int(float(salary))) not in told
    done = say("yes")
    case_id = re.search(r"#(\d+)", done)
    assert case_id, done
    assert "hr@harbour.example" in done, done  # how to reach HR directly, too
    case = stack.backend_get(f"/cases/{case_id.group(1)}", "E1003")
    assert "bank account" in case["subject"] and case["employee_id"] == "E1001"


def test_a_chinese_address_change_is_for_hr_and_a_no_changes_nothing(stack: Stack) -> None:
    say = stack.chat("E1001")
    told = say("我搬家了，想把档案里的家庭住址改成新地址")
    assert "人事处" in told and "不能修改" in told, told
    kept = say("不用了")
    assert "没有做任何更改" in kept, kept


@pytest.mark.parametrize(
    ("employee", "first", "then", "sick_line"),
    [
        ("E1004", "how much annual leave have I got left", "what about sick leave?", "Sick leave:"),
        ("E1005", "我今年年假还有多少", "那病假呢", "病假："),
    ],
)
def test_a_leave_type_right_after_a_balance_answer_gets_its_balance(
    stack: Stack, employee: str, first: str, then: str, sick_line: str
) -> None:
    say = stack.chat(employee)
    say(first)
    sick = next(b for b in stack.backend_get("/leave/balances", employee) if b["leave_type"] == "sick")
    reply = say(then)
    assert sick_line in reply and f"{sick['balance']:g}" in reply, reply
    assert "certificate" not in reply and "医院证明" not in reply, reply


@pytest.mark.parametrize(
    ("change", "ask"),
    [
        ("I need my home address updated in my record, I moved", "where do I find HR then"),
        ("我要改一下档案里的手机号", "人事处在哪，怎么联系"),
    ],
)
def test_asking_how_to_reach_hr_after_the_offer_is_told_and_opens_no_case(
    stack: Stack, change: str, ask: str
) -> None:
    cases = len(stack.backend_get("/cases", "E1003"))
    say = stack.chat("E1002")
    say(change)
    told = say(ask)
    assert "hr@harbour.example" in told and "3100" in told, told
    assert "#" not in told, told
    assert len(stack.backend_get("/cases", "E1003")) == cases
