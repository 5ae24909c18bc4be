"""Records in conversation: the signed-in employee's own profile, manager, department, contract,
job history and training hours.

Only the employee's own record is ever requested (no employee id is passed, so the backend answers
for the verified identity); a message asking for someone else's record is told so rather than
answered with the user's own (actions.whose). Sensitive fields (national id, home address,
salary) are masked in the profile and shown only when the employee asks for that very field.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.balances import year_named
from actions.common import BackendAction, name_of, num, response_text, today, typed_text
from actions.dates import format_date
from actions.policy import ActionAnswerPolicy
from actions.whose import answered_for_someone_else
from hrbot.identity import Identity
from personnel.client import PersonnelClient, TrainingRecordOut
from personnel.sensitive import SENSITIVE_FIELDS, marker, mask

FIELD_NAMES = {
    "en": {"national_id": "national ID number", "home_address": "home address", "salary": "salary"},
    "zh": {"national_id": "身份证号", "home_address": "家庭住址", "salary": "薪资"},
}
EMPLOYMENT = {
    "en": {
        "full_time": "full time",
        "part_time": "part time",
        "contractor": "contractor",
        "intern": "intern",
    },
    "zh": {"full_time": "全职", "part_time": "兼职", "contractor": "外包", "intern": "实习"},
}
NONE_TEXT = {"en": "none", "zh": "无"}
#: a question about a rule that involves the manager, not who the manager is: by when or how soon
#: to tell them ("by when do i have to let my manager know", "生病了最晚几点要跟领导说"), or whom
#: something is handed to ("who do i declare it to", "这个礼品要向谁申报")
_RULE_QUESTION = re.compile(
    r"(?<![A-Za-z])(?:when(?!\s+(?:did|was|were|has|have|had)\b)|what time|deadline|in advance"
    r"|how (?:soon|early|late|long|far in advance))(?![A-Za-z])"
    r"|(?<![A-Za-z])who(?![A-Za-z]).*(?<![A-Za-z])(?:it|this|that|them|these|those)\s+(?:in\s+)?to(?![A-Za-z])"
    r"|什么时候|几点|多久|多长时间|提前|截止|申报|报备|上交|交给谁",
    re.I,
)


def show_sensitive(field: str, value: Any) -> str:
    """The unmasked value, formatted (salary with thousands separators)."""
    if field == "salary":
        return f"{float(value):,.2f}"
    return str(value)


class ActionShowProfile(BackendAction):
    """The employee's own profile, sensitive fields masked."""

    def name(self) -> str:
        return "action_show_profile"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        me = await pc.profile()
        manager = NONE_TEXT[lang]
        if me.manager_id:
            manager = f"{name_of(me, 'manager_name', lang) or me.manager_id} ({me.manager_id})"
        dispatcher.utter_message(
            response="utter_profile",
            name=name_of(me, "name", lang),
            employee_id=me.id,
            position=me.position,
            grade=f" ({me.grade})" if me.grade else "",
            department=name_of(me, "department_name", lang) or NONE_TEXT[lang],
            manager=manager,
            hire_date=format_date(me.hire_date, lang),
            employment_type=EMPLOYMENT[lang].get(me.employment_type, me.employment_type),
            email=me.email,
            national_id=mask("national_id", me.national_id),
            home_address=mask("home_address", me.home_address),
            salary=mask("salary", me.salary),
        )
        return []


class ActionShowSensitive(BackendAction):
    """One sensitive field, because the employee explicitly asked for it; only their own."""

    def name(self) -> str:
        return "action_show_sensitive"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        field = next(tracker.get_latest_entity_values("sensitive_field"), None)
        if field not in SENSITIVE_FIELDS:
            dispatcher.utter_message(response="utter_ask_sensitive_field")
            return [SlotSet("sensitive_field", None)]
        me = await pc.profile()
        value = getattr(me, field)
        label = FIELD_NAMES[lang][field]
        if not me.sensitive_visible or value in (None, ""):
            dispatcher.utter_message(response="utter_sensitive_missing", field=label)
        else:
            shown = show_sensitive(field, value)
            # shown in the live reply; the marker tells every store to keep it masked (personnel.sensitive)
            dispatcher.utter_message(
                response="utter_sensitive_value",
                field=label,
                value=shown,
                json_message=marker(shown, field, value),
            )
        return [SlotSet("sensitive_field", None)]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("sensitive_field", None)]


def asks_a_rule(text: str) -> bool:
    """Whether a message the NLU read as "who is my manager" asks a rule instead: when or how soon
    to tell the manager, or whom something is declared to. The documents answer those."""
    return bool(_RULE_QUESTION.search(text or ""))


class ActionShowManager(BackendAction):
    """Who the employee's manager is (name, position, e-mail; nothing sensitive). A rule that
    involves the manager ("by when do I have to tell my manager?") is answered from the documents."""

    def name(self) -> str:
        return "action_show_manager"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if asks_a_rule(typed_text(tracker)):
            return await ActionAnswerPolicy().run(dispatcher, tracker, domain)
        return await super().run(dispatcher, tracker, domain)

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        me = await pc.profile()
        if not me.manager_id:
            dispatcher.utter_message(response="utter_no_manager")
            return []
        dispatcher.utter_message(
            response="utter_manager",
            manager_name=name_of(me, "manager_name", lang) or me.manager_id,
            position=me.manager_position or "-",
            email=me.manager_email or "-",
        )
        return []


class ActionShowDepartment(BackendAction):
    """The employee's department."""

    def name(self) -> str:
        return "action_show_department"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        me = await pc.profile()
        if not me.department_code:
            dispatcher.utter_message(response="utter_no_department")
        else:
            dispatcher.utter_message(
                response="utter_department",
                code=me.department_code,
                department=name_of(me, "department_name", lang),
            )
        return []


CONTRACT_TYPES = {
    "en": {"fixed_term": "fixed-term", "open_ended": "open-ended", "permanent": "permanent"},
    "zh": {
        "fixed_term": "固定期限",
        "open_ended": "无固定期限",
        "permanent": "无固定期限",
        "internship": "实习",
    },
}
CONTRACT_STATUS = {
    "en": {"active": "active", "expired": "expired", "terminated": "terminated"},
    "zh": {"active": "有效", "expired": "已到期", "terminated": "已终止"},
}


class ActionShowContract(BackendAction):
    """The current contract, with its end date (or that it has none)."""

    def name(self) -> str:
        return "action_show_contract"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        c = await pc.contract()
        if c.end_date:
            end = format_date(c.end_date, lang)
        else:
            end = "无固定期限" if lang == "zh" else "no end date (open-ended)"
        probation = ""
        if c.probation_end and c.probation_end >= today().date():
            probation = (
                f"，试用期至 {format_date(c.probation_end, lang)}"
                if lang == "zh"
                else f", probation until {format_date(c.probation_end, lang)}"
            )
        kind = CONTRACT_TYPES[lang].get(c.contract_type, c.contract_type.replace("_", " "))
        dispatcher.utter_message(
            response="utter_contract",
            contract_type=kind,
            start_date=format_date(c.start_date, lang),
            end_date=end,
            probation=probation,
            weekly_hours=num(c.weekly_hours),
            status=CONTRACT_STATUS[lang].get(c.status, c.status),
        )
        return []


CHANGE_TYPES = {
    "en": {"hire": "hired", "promotion": "promotion", "transfer": "transfer", "regrade": "regrade"},
    "zh": {
        "hire": "入职",
        "promotion": "晋升",
        "transfer": "调动",
        "regrade": "职级调整",
        "title_change": "职位变更",
    },
}


class ActionShowJobHistory(BackendAction):
    """Positions held, newest first."""

    def name(self) -> str:
        return "action_show_job_history"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        rows = sorted(await pc.job_history(), key=lambda r: r.from_date, reverse=True)
        if not rows:
            dispatcher.utter_message(response="utter_job_history_none")
            return []
        lines = []
        for r in rows:
            until = format_date(r.to_date, lang) if r.to_date else ("至今" if lang == "zh" else "now")
            change = CHANGE_TYPES[lang].get(r.change_type, r.change_type.replace("_", " "))
            grade = f" ({r.grade})" if r.grade else ""
            dept = f", {r.department_code}" if r.department_code else ""
            sep = " 至 " if lang == "zh" else " – "
            start = format_date(r.from_date, lang)
            lines.append(f"• {start}{sep}{until}: {r.position}{grade}{dept} [{change}]")
        dispatcher.utter_message(response="utter_job_history", lines="\n".join(lines))
        return []


def completed_line(r: TrainingRecordOut, lang: str) -> str:
    """One completed course: title, code, hours and the day it ended."""
    title, day = name_of(r, "title", lang), format_date(r.end_date, lang)
    if lang == "zh":
        return f"• {title}（{r.course_code}），{num(r.hours)} 学时，{day}"
    return f"• {title} ({r.course_code}), {num(r.hours)} h, {day}"


class ActionShowTrainingHours(BackendAction):
    """Training hours this year against the requirement (the backend computes both), and the
    courses completed this year: "which trainings have I done" asks for the record behind them."""

    def name(self) -> str:
        return "action_show_training_hours"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if await answered_for_someone_else(pc, who, tracker, dispatcher, lang):
            return self.on_error(tracker)
        # the year the message names ("last year", "去年"), else this one
        p = await pc.training_progress(year=year_named(typed_text(tracker)) or today().year)
        mandatory = ""
        if p.mandatory_outstanding:
            if lang == "zh":
                mandatory = "尚未完成的必修课：" + "、".join(p.mandatory_outstanding) + "。"
            else:
                codes = ", ".join(p.mandatory_outstanding)
                mandatory = f" Mandatory courses not yet completed: {codes}."
        done = sorted(
            (r for r in await pc.training_history() if r.status == "completed" and r.end_date.year == p.year),
            key=lambda r: r.end_date,
        )
        courses = ""
        if done:
            heading = response_text(domain, "utter_training_completed_heading", lang).format(year=p.year)
            lines = [completed_line(r, lang) for r in done]
            courses = "\n" + "\n".join([heading, *lines])
        dispatcher.utter_message(
            response="utter_training_hours",
            year=p.year,
            required=num(p.required_hours),
            completed=num(p.completed_hours),
            planned=num(p.planned_hours),
            remaining=num(p.remaining_hours),
            mandatory=mandatory,
            courses=courses,
        )
        return []
