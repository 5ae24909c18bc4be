"""The leave type in a leave conversation, end to end in both languages: after the backend refuses
the dates (E1005 has no annual leave left), naming another type goes on to the preview with the
same dates instead of a policy answer, a case for HR or the dates asked again; at "Which type of
leave?" a reason is kept as the reason and a yes gets the list of types, not "no leave type 'yes'";
a Chinese type name typed with a same-sound character (事家 for 事假) is that type; and a request
right after a look at one type's balance is for that type. The real Rasa model, action server and
backend; what was booked is read back from the backend. "Today" is Monday 2026-11-23."""

from __future__ import annotations

import pytest

from tests.stack import Stack

pytestmark = pytest.mark.stack


@pytest.mark.parametrize(
    ("asked", "switch", "said", "yes", "booked"),
    [
        (
            "帮我请12月17号和18号的年假",
            "那就换成事假吧",
            ("事假", "2026年12月17日", "确认提交吗"),
            "确认",
            ("personal", "2026-12-17", "2026-12-18"),
        ),
        (
            "I want annual leave on Dec 21 and 22",
            "fine, switch it to unpaid leave then",
            ("Personal leave", "21 Dec 2026", "Shall I submit it?"),
            "yes",
            ("personal", "2026-12-21", "2026-12-22"),
        ),
    ],
)
def test_after_a_refusal_another_type_keeps_the_dates(
    stack: Stack, asked: str, switch: str, said: tuple[str, ...], yes: str, booked: tuple[str, str, str]
) -> None:
    employee = "E1005"
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    refused = say(asked)
    assert "余额不足" in refused or "isn't enough balance" in refused, refused
    preview = say(switch)
    assert all(words in preview for words in said), preview
    assert "case" not in preview.lower() and "工单" not in preview, preview  # nothing handed to HR
    say(yes)
    assert stack.new_requests(employee, before) == [booked]


@pytest.mark.parametrize(
    ("employee", "turns", "noted", "needed", "preview", "booked"),
    [
        (
            "E1034",
            ["I need some time off, Dec 9 to 10", "helping my parents move house", "yes", "personal", "yes"],
            "Noted, the reason for your manager",
            "I still need the type of leave: Annual leave",
            "Reason: helping my parents move house",
            ("personal", "2026-12-09", "2026-12-10", "helping my parents move house"),
        ),
        (
            "E1035",
            ["我想请个假，12月9号到10号", "陪爸妈去医院复查", "对", "事家", "确认"],
            "事由记下了",
            "还需要知道请哪种假：年假",
            "事由：陪爸妈去医院复查",
            ("personal", "2026-12-09", "2026-12-10", "陪爸妈去医院复查"),
        ),
    ],
)
def test_at_the_type_question_a_reason_is_kept_and_a_yes_is_told_the_types(
    stack: Stack,
    employee: str,
    turns: list[str],
    noted: str,
    needed: str,
    preview: str,
    booked: tuple[str, str, str, str],
) -> None:
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    replies = [say(text) for text in turns]
    assert noted in replies[1] and needed in replies[2], replies
    assert not any("don't know the leave type" in r or "这种假期类型" in r for r in replies), replies
    assert preview in replies[3], replies
    created = [a for k, a in stack.leave_requests(employee).items() if k not in before]
    assert [(a["leave_type"], a["from_date"], a["to_date"], a["reason"]) for a in created] == [booked]


@pytest.mark.parametrize(
    ("employee", "balance", "asked", "said", "yes"),
    [
        (
            "E1046",
            "how many vacation days do I have left?",
            "great, then book me Dec 14 to 15",
            ("Annual leave, the balance you just checked", "Annual leave, Mon 14 Dec 2026"),
            "yes",
        ),
        (
            "E1016",
            "我年假还剩几天",
            "那帮我请12月14号到15号",
            ("刚查看余额的年假", "年假，2026年12月14日"),
            "确认",
        ),
    ],
)
def test_a_request_right_after_one_types_balance_is_for_that_type(
    stack: Stack, employee: str, balance: str, asked: str, said: tuple[str, str], yes: str
) -> None:
    say = stack.chat(employee)
    before = stack.leave_requests(employee)
    say(balance)
    preview = say(asked)
    assert all(words in preview for words in said), preview
    say(yes)
    assert stack.new_requests(employee, before) == [("annual", "2026-12-14", "2026-12-15")]
