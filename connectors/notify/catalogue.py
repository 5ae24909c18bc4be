"""The wording of every notice, one entry per kind, in English and Chinese.

A notice is the backend's ``kind`` and ``params`` (personnel/app/services/notifications.py); this
catalogue turns it into the text a person reads in their preferred language: what happened, what to
do, why they get it ("you get this because ...") and, for kinds they can turn off, how to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: str, lang: str) -> str:
    """An ISO date as people read it: "Thu 31 Dec 2026" / "2026年12月31日（周四）"."""
    try:
        d = date.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_ZH[d.weekday()]}）"
    return f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def fmt_num(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True)
class Entry:
    """One kind's wording: ``body`` and ``reason`` are format strings over the rendered fields;
    ``buttons`` are (title, payload) pairs the channel may offer, payloads as the chat's buttons."""

    title: dict[str, str]
    body: dict[str, str]
    reason: dict[str, str]
    buttons: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


CATALOGUE: dict[str, Entry] = {
    "leave_pending_approval": Entry(
        title={"en": "Leave request waiting for you", "zh": "有待您审批的请假申请"},
        body={
            "en": "{employee} asks for {leave_type} {period} ({working_days} "
            "working days), request #{leave_id}. Say “show my approvals” to approve or reject it.",
            "zh": "{employee}申请{leave_type}，{period}（{working_days}个工作日），"
            "申请编号 #{leave_id}。说“查看待审批”即可批准或驳回。",
        },
        reason={
            "en": "you get this because you approve {employee}'s leave.",
            "zh": "您收到此通知，是因为您负责审批{employee}的请假。",
        },
        # the same payloads as the approvals list in chat (actions/approvals.py)
        buttons={
            "en": (
                ("Approve #{leave_id}", '/approve_leave{{"leave_id":"{leave_id}"}}'),
                ("Reject #{leave_id}", '/reject_leave{{"leave_id":"{leave_id}"}}'),
            ),
            "zh": (
                ("批准 #{leave_id}", '/approve_leave{{"leave_id":"{leave_id}"}}'),
                ("驳回 #{leave_id}", '/reject_leave{{"leave_id":"{leave_id}"}}'),
            ),
        },
    ),
    "leave_decided": Entry(
        title={"en": "Your leave request was {status}", "zh": "您的请假申请已{status}"},
        body={
            "en": "Your {leave_type} {period} (request #{leave_id}) was "
            "{status} by {decided_by}.{reason_line}",
            "zh": "您{period}的{leave_type}（申请编号 #{leave_id}）已由{decided_by}{status}。{reason_line}",
        },
        reason={
            "en": "you get this because you applied for this leave.",
            "zh": "您收到此通知，是因为这是您提交的请假申请。",
        },
    ),
    "waitlist_promoted": Entry(
        title={"en": "A seat freed up: you are enrolled", "zh": "候补转正：您已报名成功"},
        body={
            "en": "A seat freed up in {title} ({session_period}, {place}) and you now have it. "
            "If you can no longer attend, say “withdraw from {title}”.",
            "zh": "{title}（{session_period}，{place}）有人退出，您已从候补转为正式报名。"
            "如无法参加，请说“退选{title}”。",
        },
        reason={
            "en": "you get this because you were on the waitlist for this session.",
            "zh": "您收到此通知，是因为您在该期课程的候补名单上。",
        },
    ),
    "training_reminder": Entry(
        title={"en": "Training tomorrow", "zh": "明天有培训"},
        body={
            "en": "Reminder: {title} starts tomorrow, {start_date}, at {place}.",
            "zh": "提醒：{title}将于明天（{start_date}）在{place}开始。",
        },
        reason={
            "en": "you get this because you are enrolled in this session.",
            "zh": "您收到此提醒，是因为您已报名该期课程。",
        },
    ),
    "leave_unused_year_end": Entry(
        title={"en": "Annual leave left this year", "zh": "您今年还有未休年假"},
        body={
            "en": "You still have {days_left} days of {leave_type} for {year}. Days not taken by "
            "{deadline} follow the carry-over rules. To book them, say “apply for annual leave” "
            "(for example “annual leave from 21 to 23 December”).",
            "zh": "您{year}年还有{days_left}天{leave_type}未休（应休未休）。"
            "{deadline}前未休的天数按结转规定处理。如需安排，请说“申请年假”（例如“12月21日到23日请年假”）。",
        },
        reason={
            "en": "you get this because you have unused annual leave in the last weeks of the year.",
            "zh": "您收到此提醒，是因为年底将至而您仍有未休年假。",
        },
    ),
    "training_hours_short": Entry(
        title={"en": "Training hours still missing", "zh": "培训学时尚未达标"},
        body={
            "en": "You have {completed_hours} of the {required_hours} training hours required in {year} "
            "({planned_hours} more booked): {short_hours} hours are still missing before {deadline}. "
            "Say “find training courses” to book a session.",
            "zh": "您{year}年已完成{completed_hours}学时（另已报名{planned_hours}学时），"
            "要求{required_hours}学时，距{deadline}截止还差{short_hours}学时。说“查找培训课程”即可报名。",
        },
        reason={
            "en": "you get this because your yearly training requirement is not met yet.",
            "zh": "您收到此提醒，是因为您本年度的培训学时要求尚未完成。",
        },
    ),
    "contract_ending": Entry(
        title={"en": "Contract ending soon", "zh": "合同即将到期"},
        body={
            "en": "The contract of {employee} ({employee_id}, {position}) ends on {end_date}, in "
            "{days_left} days. Renewal or leaving formalities need to start now.",
            "zh": "{employee}（{employee_id}，{position}）的劳动合同将于{end_date}到期，还有{days_left}天，"
            "请及时办理续签或离职手续。",
        },
        reason={
            "en": "you get this because you are an HR administrator.",
            "zh": "您收到此提醒，是因为您是人事管理员。",
        },
    ),
    "calendar_recount": Entry(
        title={"en": "Your leave request was recounted", "zh": "您的请假天数已重新计算"},
        body={
            "en": "HR published the {year} public holiday calendar, so your leave request #{leave_id} "
            "{period} now counts {after} working days instead of {before}. Your balance is adjusted.",
            "zh": "人事部门发布了{year}年的节假日安排，您{period}的请假申请（编号 #{leave_id}）"
            "现计为{after}个工作日（原为{before}个），假期余额已相应调整。",
        },
        reason={
            "en": "you get this because the change affects a leave request of yours.",
            "zh": "您收到此通知，是因为这一变化影响到您的请假申请。",
        },
    ),
    "case_reply": Entry(
        title={"en": "HR replied to case #{case_id}", "zh": "HR 回复了工单 #{case_id}"},
        body={"en": "{text}", "zh": "{text}"},
        reason={
            "en": "you get this because you asked HR for help (case #{case_id}).",
            "zh": "您收到此消息，是因为您向 HR 提出了咨询（工单 #{case_id}）。",
        },
    ),
    "case_resolved": Entry(
        title={"en": "HR resolved case #{case_id}", "zh": "HR 已办结工单 #{case_id}"},
        body={
            "en": "HR marked your case “{subject}” as resolved. If something is still open, answer "
            "on the case (on Telegram reply to this message; in the web chat press “Reply to HR” "
            "on HR's message) and it reopens.",
            "zh": "HR 已将您的工单“{subject}”标记为已办结。如仍有问题，请在工单上回复"
            "（Telegram 中直接回复本消息；网页聊天中点 HR 消息下的“回复人事”），工单将重新打开。",
        },
        reason={
            "en": "you get this because you asked HR for help (case #{case_id}).",
            "zh": "您收到此消息，是因为您向 HR 提出了咨询（工单 #{case_id}）。",
        },
    ),
}

#: what a kind is called when the employee turns it off ("you will no longer get notices about ...")
KIND_NAMES: dict[str, dict[str, str]] = {
    "leave_pending_approval": {"en": "leave requests waiting for your approval", "zh": "待审批的请假申请"},
    "leave_decided": {"en": "decisions on your leave requests", "zh": "请假审批结果"},
    "waitlist_promoted": {"en": "seats freed up on training waitlists", "zh": "培训候补转正"},
    "training_reminder": {"en": "training sessions the day before", "zh": "培训开课前一天提醒"},
    "leave_unused_year_end": {"en": "unused annual leave at the year end", "zh": "年底未休年假提醒"},
    "training_hours_short": {"en": "missing training hours", "zh": "培训学时不足提醒"},
    "contract_ending": {"en": "contracts ending soon", "zh": "合同即将到期提醒"},
    "calendar_recount": {"en": "leave recounted after a calendar change", "zh": "节假日调整后的请假天数变更"},
    "case_reply": {"en": "HR replies to your cases", "zh": "HR 工单回复"},
    "case_resolved": {"en": "your cases being resolved", "zh": "工单办结通知"},
}


def kind_name(kind: str, lang: str | None) -> str:
    names = KIND_NAMES.get(kind)
    if names is None:
        return kind
    return names["zh" if lang == "zh" else "en"]


GENERIC = Entry(
    title={"en": "Notice from HR", "zh": "HR 通知"},
    body={"en": "You have a new notice from HR.", "zh": "您有一条新的 HR 通知。"},
    reason={"en": "you get this from the HR assistant.", "zh": "此通知来自 HR 助手。"},
)

STATUS = {
    "approved": {"en": "approved", "zh": "批准"},
    "rejected": {"en": "rejected", "zh": "驳回"},
}
PERIOD = {"en": "from {a} to {b}", "zh": "{a}至{b}"}
ON_DAY = {"en": "on {a}", "zh": "{a}"}
REASON_LINE = {"en": " Reason: {reason}", "zh": "理由：{reason}"}
STOP_HINT = {
    "en": "Reply “stop these reminders” to turn this kind of notice off.",
    "zh": "回复“不再提醒”即可关闭此类通知。",
}
REASON_PREFIX = {"en": "Why: ", "zh": "说明："}


class _Fields(dict[str, str]):
    """Missing fields render empty rather than failing a whole notice."""

    def __missing__(self, key: str) -> str:
        return ""


def _fields(params: dict[str, Any], lang: str) -> _Fields:
    out = _Fields()
    for key, value in params.items():
        if isinstance(value, dict) and {"name_en", "name_zh"} <= value.keys():
            out[key] = (
                (value["name_zh"] or value["name_en"])
                if lang == "zh"
                else (value["name_en"] or value["name_zh"])
            )
        elif key.endswith("_date") or key == "deadline":
            out[key] = fmt_date(str(value), lang)
        elif isinstance(value, float | int) and not isinstance(value, bool):
            out[key] = fmt_num(value)
        else:
            out[key] = str(value)
    for base in ("leave_type", "title"):  # bilingual pairs such as title_en / title_zh
        if f"{base}_en" in params or f"{base}_zh" in params:
            en, zh = str(params.get(f"{base}_en") or ""), str(params.get(f"{base}_zh") or "")
            out[base] = (zh or en) if lang == "zh" else (en or zh)
    if "from_date" in params and "to_date" in params:
        same = params["from_date"] == params["to_date"]
        out["period"] = (ON_DAY if same else PERIOD)[lang].format(a=out["from_date"], b=out["to_date"])
    if "start_date" in params and "end_date" in params:
        same = params["start_date"] == params["end_date"]
        out["session_period"] = (ON_DAY if same else PERIOD)[lang].format(
            a=out["start_date"], b=out["end_date"]
        )
    status = str(params.get("status", ""))
    if status in STATUS:
        out["status"] = STATUS[status][lang]
    reason = str(params.get("reason") or "").strip()
    out["reason_line"] = REASON_LINE[lang].format(reason=reason) if reason else ""
    return out


@dataclass(frozen=True)
class Rendered:
    """A notice in words: what channels send or show."""

    title: str
    body: str
    reason: str
    stop_hint: str | None
    buttons: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        parts = [self.title, self.body, self.reason]
        if self.stop_hint:
            parts.append(self.stop_hint)
        return "\n\n".join(p for p in parts if p)


ASK_TITLE = {
    "en": "HR needs more information on case #{case_id}",
    "zh": "HR 需要您补充信息（工单 #{case_id}）",
}


def render(kind: str, params: dict[str, Any], lang: str | None, *, optional: bool = True) -> Rendered:
    """The notice in ``lang`` (English unless ``zh``); ``optional`` adds how to turn the kind off.

    A notice that carries its own ``lang`` (an HR case reply: the language the employee asked in)
    is worded in that language."""
    if params.get("lang") in ("en", "zh"):
        lang = params["lang"]
    lang = "zh" if lang == "zh" else "en"
    entry = CATALOGUE.get(kind, GENERIC)
    fields = _fields(params, lang)
    reason = entry.reason[lang].format_map(fields)
    title = entry.title[lang]
    if kind == "case_reply" and params.get("ask"):
        title = ASK_TITLE[lang]
    return Rendered(
        title=title.format_map(fields),
        body=entry.body[lang].format_map(fields),
        reason=REASON_PREFIX[lang] + reason,
        stop_hint=STOP_HINT[lang] if optional and kind != "case_reply" else None,
        buttons=tuple((t.format_map(fields), p.format_map(fields)) for t, p in entry.buttons.get(lang, ())),
    )
