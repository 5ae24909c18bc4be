"""Leave in conversation: balances, the leave form, preview + confirmation + submission, my
requests, cancelling, and managers' approvals.

The actions are thin clients of the personnel backend: they never count working days, check
balances or overlaps, or decide who may approve; they ask, show what the backend answered and
explain its refusals (actions.common.explain_error). Identity comes only from the verified identity
assertion (actions.common.identity), never from slots or text.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.balances import ActionLeaveBalance, balance_followup_type  # noqa: F401 (moved there)
from actions.common import (
    BackendAction,
    BackendErrors,
    explain_error,
    identity,
    language,
    latest_intent,
    name_of,
    num,
    personnel_client,
    response_text,
    today,
    typed_text,
)
from actions.dates import DateError, describe_missing_day, format_date, format_period, parse_leave_dates
from actions.leave_types import (
    REFUSED_SLOT,
    answers_type_question,
    leave_types_of,
    loose_leave_type,
    match_leave_type,
    named_leave_type,
    names_a_date,
    refused_request,
    sick_self,
    switched_type,
    type_answer,
    type_words,
    with_names_spelled,
)
from actions.reasons import MAX_REASON, reason_in
from hrbot.identity import Identity
from personnel.client import LeaveApplicationOut, LeaveTypeOut, PersonnelClient

# Everything the leave form fills; cleared together so a change of mind leaves nothing behind.
# (leave_refused: the dates the backend refused, kept so that a switch of type can try them again)
FORM_SLOTS = (
    "leave_type",
    "leave_dates",
    "leave_start",
    "leave_end",
    "leave_half_day",
    "leave_reason",
    REFUSED_SLOT,
)
ALL_SLOTS = (
    *FORM_SLOTS,
    "leave_awaiting_confirmation",
    "leave_id",
    "reject_reason",
    "reject_ask_first",
    "reject_confirmed",
    "requested_slot",
)

# The backend's refusal codes (personnel/app/services); explain_error utters "utter_error_<code>"
# for each, in the user's language. tests/actions/test_domain_coverage.py checks this list against
# the backend's code and the domain.
ERROR_RESPONSES = (
    "utter_error_already_enrolled",
    "utter_error_already_resolved",
    "utter_error_anonymous_case",
    "utter_error_case_resolved",
    "utter_error_not_resolved",
    "utter_error_backdated_too_far",
    "utter_error_crosses_year_end",
    "utter_error_enrolment_closed",
    "utter_error_exceeds_maximum",
    "utter_error_forbidden",
    "utter_error_half_day_not_allowed",
    "utter_error_http_error",
    "utter_error_idempotency_key_reused",
    "utter_error_identity_required",
    "utter_error_insufficient_balance",
    "utter_error_no_notice_to_stop",
    "utter_error_notice_kind_required",
    "utter_error_unknown_notice_kind",
    "utter_error_invalid_assignee",
    "utter_error_invalid_date_range",
    "utter_error_invalid_state",
    "utter_error_leave_clash",
    "utter_error_leave_started",
    "utter_error_no_working_days",
    "utter_error_not_found",
    "utter_error_not_your_report",
    "utter_error_overlapping_leave",
    "utter_error_prerequisite_missing",
    "utter_error_self_approval",
    "utter_error_session_full",
    "utter_error_session_started",
    "utter_error_unauthorized",
    "utter_error_unknown_employee",
    "utter_error_validation_error",
)
# The questions the forms ask for each required slot (Rasa utters them; the test checks both
# languages exist for every required slot).
FORM_QUESTIONS = {
    "leave_form": {
        "leave_type": "action_ask_leave_type",
        "leave_dates": "utter_ask_leave_dates",
        "leave_half_day": "utter_ask_leave_half_day",
    },
    "reject_form": {
        "reject_reason": "utter_ask_reject_reason",
        "reject_confirmed": "action_ask_reject_confirmed",
    },
}

STATUS = {
    "en": {
        "open": "awaiting approval",
        "approved": "approved",
        "rejected": "rejected",
        "cancelled": "cancelled",
    },
    "zh": {"open": "待审批", "approved": "已批准", "rejected": "已驳回", "cancelled": "已撤销"},
}
HALF_DAY_TEXT = {
    "am": re.compile(r"\bam\b|morning|a\.m\.|上午|早上|上半天", re.I),
    "pm": re.compile(r"\bpm\b|after\s?noon|p\.m\.|下午|下半天", re.I),
    "none": re.compile(r"none|full|whole|all day|entire|全天|整天|一整天|一天|全日", re.I),
}
# A yes or a skip at "whole day or half?" (asked only when a correction leaves it open) takes the
# default, the whole day.
TAKES_DEFAULT_INTENTS = ("affirm", "skip")
# Only a clear yes/skip answers without a value.
ANSWER_CONFIDENCE = 0.7
# Where the form takes a reason from what the user writes (actions.reasons): the request itself,
# and an answer to the type or dates question ("ok annual then, picking up my kid").
REASON_INTENTS = ("apply_leave", "inform")
REASON_STEPS = (None, "leave_type", "leave_dates")
# What answers "Which type of leave?" when it names a type: an answer, or one read as a correction
# ("ok 那就 annual, 下午半天, 接孩子", "then personal leave"), which the slot's own mapping leaves out.
TYPE_ANSWER_INTENTS = ("inform", "correct")
START_WORDS = re.compile(r"\bstart|\bfrom\b|\bbegin|从|开始|起", re.I)
END_WORDS = re.compile(r"\bend|\buntil\b|\btill\b|\bto\b|\bthrough\b|到|结束|截止|为止", re.I)


def reset_events(*, deactivate: bool = True) -> list[EventType]:
    """Events that leave nothing of a leave conversation behind."""
    events: list[EventType] = [ActiveLoop(None)] if deactivate else []
    events += [SlotSet(slot, None) for slot in ALL_SLOTS]
    return events


def type_names(types: list[LeaveTypeOut], lang: str) -> dict[str, str]:
    return {t.code: name_of(t, "name", lang) for t in types}


def _type_buttons(types: list[LeaveTypeOut], lang: str) -> list[dict[str, str]]:
    return [
        {"title": name_of(t, "name", lang), "payload": f'/inform{{"leave_type":"{t.code}"}}'} for t in types
    ]


def request_line(app: LeaveApplicationOut, names: dict[str, str], lang: str) -> str:
    period = format_period(app.from_date, app.to_date, lang, app.half_day)
    status = STATUS[lang].get(app.status, app.status)
    kind = names.get(app.leave_type, app.leave_type)
    if lang == "zh":
        return f"• #{app.id} {kind}，{period}，{num(app.working_days)} 天：{status}"
    return f"• #{app.id} {kind}, {period}, {num(app.working_days)} days: {status}"


# --- the leave form ---------------------------------------------------------------------------


def balance_type_before(tracker: Tracker) -> str | None:
    """The one leave type (as the NLU named it) whose balance the user looked at in the turn just
    before this message ("how many vacation days do I have left?" → "then put me down for Dec 21
    thru 24"), or None (no balance then, all types shown, or another turn in between)."""
    users_seen, actions = 0, []
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                if "action_leave_balance" not in actions:
                    return None
                entities = (event.get("parse_data") or {}).get("entities") or []
                named = {e.get("value") for e in entities if e.get("entity") == "leave_type"} - {None, ""}
                return str(named.pop()) if len(named) == 1 else None
        elif kind == "action" and users_seen == 1:
            actions.append(event.get("name"))
    return None


class ActionAskLeaveType(BackendAction):
    """Ask for the leave type with one button per type the backend offers, in the user's language."""

    def name(self) -> str:
        return "action_ask_leave_type"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        types = await leave_types_of(pc)
        dispatcher.utter_message(response="utter_ask_leave_type", buttons=_type_buttons(types, lang))
        return []

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return reset_events()


class ValidateLeaveForm(FormValidationAction):
    """Turns the user's words into form values: backend leave type codes, dates, half day, reason.

    Dates are parsed here (free text, both languages, relative to the user's today); whether they
    are working days or within balance is for the backend preview that follows the form.
    """

    def name(self) -> str:
        return "validate_leave_form"

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Besides the form's slots, the reason the user gave with the request: the form never
        asks for it (it is optional), so it is only taken when said."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if tracker.get_slot("leave_reason") or not _may_give_a_reason(tracker):
            return events
        text, who = typed_text(tracker), identity(tracker)
        if not text or who is None:
            return events
        try:
            async with personnel_client(who) as pc:
                types = await leave_types_of(pc)
        except BackendErrors:
            return events  # no reason is better than a leave type taken for one
        # "我想请年价" is the request (年价 for 年假), not a reason
        reason = reason_in(with_names_spelled(text, types), today().date(), type_words(types))
        return [*events, SlotSet("leave_reason", reason)] if reason else events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The form returns only validated slots, and the reason is not one it asks for: the
        reason taken this turn is passed on as it is."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        reason = tracker.slots_to_validate().get("leave_reason")
        return [*events, SlotSet("leave_reason", reason)] if reason else events

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # Without a verified identity there is nothing to ask: the preview explains how to sign in.
        # A user who has turned to other things lets go of the form (the preview then drops it).
        return domain_slots if identity(tracker) and not _lets_go(tracker) else []

    async def extract_leave_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The leave type the request itself points to when the NLU did not mark it, so that the
        request is not asked again for what it already said: a full name of the backend's ("请3天
        年假，从下周一开始", "2 days of sick leave from Monday") or one typed with a same-sound
        character ("我想请年价"), or the one type whose balance the user looked at just before
        ("how many vacation days do I have?" → "then put me down for Dec 21 thru 24"; said aloud,
        and shown in the preview, where "no, sick leave" changes it). At "Which type of leave?", a
        type named in a message the NLU read as a correction ("ok 那就 annual, 下午半天") answers it.

        And after the backend refused the dates, another type named in any words ("那改成事假吧",
        "ok make it unpaid leave then") switches the request to it with the dates the user gave:
        they are validated again, so the backend checks them for the new type."""
        text = typed_text(tracker)
        refused = refused_request(tracker)
        answers = _answers_the_type(tracker) or _at_type_question(tracker)
        asks = not tracker.get_slot("leave_type") and (latest_intent(tracker) == "apply_leave" or answers)
        who = identity(tracker)
        if not text or who is None or not (asks or refused):
            return {}
        try:
            async with personnel_client(who) as pc:
                types = await leave_types_of(pc)
        except BackendErrors:
            return {}  # the question about the type follows and explains a backend that is down
        if refused and (switched := switched_type(tracker, types)):
            return {"leave_type": switched, "leave_dates": text if names_a_date(text) else refused["dates"]}
        if not asks:
            return {}
        if answers and not _answers_the_type(tracker):
            # another intent at "Which type?" ("just take it out of my annual i guess" reads like a
            # balance question): a statement naming a type answers it (its action stayed silent)
            code = answers_type_question(tracker, types)
        elif answers:
            code = type_answer(text, types)
        else:  # the request itself: a full name, "annual lv" / "AL", or "I'm sick today"
            code = (
                named_leave_type(text, types)
                or loose_leave_type(text, types, alone=False)
                or sick_self(text, types)
            )
        if code:
            return {"leave_type": code}
        if latest_intent(tracker) != "apply_leave":
            return {}
        looked_at = balance_type_before(tracker)
        code = match_leave_type(looked_at, types) if looked_at else None
        kind = next((t for t in types if t.code == code), None)
        if kind is None:
            return {}
        dispatcher.utter_message(
            response="utter_leave_type_from_balance", name=name_of(kind, "name", language(tracker))
        )
        return {"leave_type": kind.code}

    async def extract_leave_dates(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Dates given with the request itself ("annual leave next Monday to Wednesday", "2027年4月31日
        请年假": validated, so an impossible one is explained at once), and a correction at the
        confirmation step, which reopens the form with every slot still filled."""
        intent = latest_intent(tracker)
        text = typed_text(tracker)
        if not text:
            return {}
        if _corrects(tracker) and tracker.get_slot("leave_start"):
            return {"leave_dates": text}
        # dates given with the request, or with the answer to "Which type?" ("from the 21st thru
        # the 23rd, annual")
        with_request = (
            intent == "apply_leave"
            or _answers_the_type(tracker)
            or (_at_type_question(tracker) and bool(tracker.get_slot("leave_type")))  # type taken above
        )
        if not with_request or tracker.get_slot("leave_dates"):
            return {}
        try:
            parse_leave_dates(text, today().date())
        except DateError as err:
            return {} if err.reason == "unparsed" else {"leave_dates": text}
        return {"leave_dates": text}

    async def validate_leave_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        who = identity(tracker)
        if who is None:
            return {"leave_type": None}
        lang = language(tracker)
        try:
            async with personnel_client(who) as pc:
                types = await leave_types_of(pc)
        except BackendErrors as exc:
            explain_error(dispatcher, domain, exc, lang)
            return {"leave_type": None}
        code = (
            match_leave_type(str(value), types)
            or (
                type_answer(str(value), types) if tracker.get_slot("requested_slot") == "leave_type" else None
            )
            # the NLU marked a fragment ("假" of "请一天年假", which jieba splits 一/天年/假) while the
            # request names a type in full: the request's own words win
            or (
                named_leave_type(typed_text(tracker), types)
                if latest_intent(tracker) == "apply_leave"
                else None
            )
        )
        if code is not None:
            return {"leave_type": code}
        if _lets_go(tracker, candidate=True):
            dispatcher.utter_message(response="utter_leave_set_aside")
            return {"leave_type": None}
        # not a type: a reason ("visiting family") is kept and a yes is no type name; the form then
        # asks for the type again, with a button per type
        if reason := tracker.slots_to_validate().get("leave_reason"):
            dispatcher.utter_message(response="utter_leave_reason_noted", reason=reason)
        elif _clearly(tracker, ("affirm",)):
            names = [name_of(t, "name", lang) for t in types]
            dispatcher.utter_message(
                response="utter_leave_type_needed", names=("、" if lang == "zh" else ", ").join(names)
            )
        else:
            dispatcher.utter_message(
                response="utter_leave_type_unknown", value=str(value), buttons=_type_buttons(types, lang)
            )
        return {"leave_type": None}

    async def validate_leave_dates(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        lang = language(tracker)
        start, end = tracker.get_slot("leave_start"), tracker.get_slot("leave_end")
        is_correction = _corrects(tracker) and bool(start and end)
        context = _iso(start) if is_correction else None
        refused = {"leave_dates": None, "leave_start": None, "leave_end": None}
        try:
            days = parse_leave_dates(text, today().date(), context=context)
        except DateError as err:
            if is_correction and err.reason == "unparsed":
                # "no, the afternoon" / "no, sick leave": not about the dates; keep them.
                half = _half_day_of(text)
                events = {"leave_dates": f"{start}/{end}"}
                # "是，全天" at "whole day or half?" answers that question, read as a correction or not
                if half and (half != "none" or tracker.get_slot("requested_slot") == "leave_half_day"):
                    events["leave_half_day"] = half
                return events
            if err.reason == "unparsed" and _corrects(tracker):
                return {"leave_dates": None}
            missing = describe_missing_day(err.ymd, lang) if err.reason == "invalid" and err.ymd else None
            reason = tracker.slots_to_validate().get("leave_reason")
            if err.reason == "unparsed" and reason:
                # "visiting family" at "which dates?": the reason, kept; the dates are asked again
                dispatcher.utter_message(response="utter_leave_reason_noted", reason=reason)
            elif missing:
                dispatcher.utter_message(response="utter_leave_dates_invalid", **missing)
            elif err.reason == "end_before_start":
                dispatcher.utter_message(response="utter_leave_dates_backwards", dates=text)
            else:
                # not "text=": that keyword would replace the whole response
                dispatcher.utter_message(response="utter_leave_dates_unparsed", dates=text)
            return refused
        new_start, new_end = days.start, days.end
        if is_correction and days.start == days.end and start != end:
            new_start, new_end = _apply_correction(text, days.start, _iso(start), _iso(end))
            if new_end < new_start:
                dispatcher.utter_message(response="utter_leave_dates_backwards", dates=text)
                return {"leave_dates": f"{start}/{end}"}
        if days.days and new_start != new_end:
            new_end = await self._working_day_end(tracker, new_start, new_end, days.days)
        if days.end_half_day and new_start != new_end:
            dispatcher.utter_message(response="utter_leave_end_half_day")
            return refused
        # a single day is a whole day unless the user said morning or afternoon (the preview shows it)
        half = days.half_day or "none"
        if not await self._backend_accepts(dispatcher, tracker, domain, new_start, new_end, days.half_day):
            # the user's words are kept: "then make it personal leave" tries them with that type
            return {**refused, REFUSED_SLOT: {"leave_type": tracker.get_slot("leave_type"), "dates": text}}
        result: dict[str, Any] = {
            "leave_dates": text,
            "leave_start": new_start.isoformat(),
            "leave_end": new_end.isoformat(),
            REFUSED_SLOT: None,
        }
        result["leave_half_day"] = half
        if tracker.get_slot("leave_type"):
            return result  # the preview follows at once and shows the dates: no line saying them twice
        if new_start == new_end:
            dispatcher.utter_message(
                response="utter_leave_date_understood", start=format_date(new_start, lang)
            )
        else:
            dispatcher.utter_message(
                response="utter_leave_dates_understood",
                start=format_date(new_start, lang),
                end=format_date(new_end, lang),
            )
        return result

    @staticmethod
    async def _working_day_end(tracker: Tracker, start: date, end: date, wanted: int) -> date:
        """ "3 days from Friday" means three working days: the backend's calendar (weekends,
        public holidays, make-up working days) says how many the calendar days hold, and the end
        moves on until they are as many as asked. Without a leave type or a backend answer the
        calendar days stay; the preview shows what was counted either way."""
        who, leave_type = identity(tracker), tracker.get_slot("leave_type")
        if who is None or not leave_type:
            return end
        try:
            async with personnel_client(who) as pc:
                for _ in range(5):  # a long holiday (Spring Festival) needs a few steps
                    counted = (await pc.preview_leave(leave_type, start, end, None)).working_days
                    if counted >= wanted:
                        break
                    end += timedelta(days=int(wanted - counted))
        except BackendErrors:
            pass  # dates the backend refuses are explained by _backend_accepts next
        return end

    @staticmethod
    async def _backend_accepts(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        start: date,
        end: date,
        half_day: str | None,
    ) -> bool:
        """Ask the backend about the dates as soon as they are given, so that dates it refuses (in
        the past, no working days, over the year end, overlapping, beyond the balance) are explained
        at the question about dates, with the leave type and the user's words kept (a switch of type
        tries them again), not after the whole form. The days are checked as the preview will show
        them: a single day is a whole day unless the user said morning or afternoon."""
        who, leave_type = identity(tracker), tracker.get_slot("leave_type")
        if who is None or not leave_type:
            return True
        try:
            async with personnel_client(who) as pc:
                await pc.preview_leave(leave_type, start, end, half_day)
        except BackendErrors as exc:
            explain_error(dispatcher, domain, exc, language(tracker))
            return False
        return True

    async def validate_leave_half_day(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value != tracker.get_slot("leave_half_day") and value == _held_before(tracker, "leave_half_day"):
            # a reopened form validates again what it held: the half day the corrected dates said
            # this turn ("12/22 from the afternoon thru 12/24") stands
            return {}
        half = _half_day_of(str(value or ""))
        if half is None and _clearly(tracker, TAKES_DEFAULT_INTENTS):
            # "yes" / "just submit it" to "whole day or half?": the default, said aloud so a
            # user who meant half a day can correct it at the preview
            dispatcher.utter_message(response="utter_leave_half_day_default")
            return {"leave_half_day": "none"}
        if half is None:
            dispatcher.utter_message(response="utter_leave_half_day_unknown")
        return {"leave_half_day": half}


def _answers_the_type(tracker: Tracker) -> bool:
    """The message answers "Which type of leave?" (asked last), as an answer or a correction."""
    return (
        tracker.get_slot("requested_slot") == "leave_type" and latest_intent(tracker) in TYPE_ANSWER_INTENTS
    )


#: what still belongs to the leave form at "Which type of leave?": an answer, a yes or no, a stop,
#: a new request, small talk; anything else (another request, a message not understood) asked
#: again and again is the user turning to other things
STAYS_WITH_FORM = ("inform", "correct", "apply_leave", "affirm", "deny", "stop", "skip", "goodbye")
STAYS_WITH_FORM += ("greet", "help")
#: how often "Which type of leave?" goes unanswered before the form lets go
UNANSWERED_TYPE_QUESTIONS = 2


def _type_questions_unanswered(tracker: Tracker) -> int:
    """How often the running form has asked "Which type of leave?" (the type is still missing)."""
    asked = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and not event.get("name"):
            break  # the form before this one
        # the form asks through action_ask_leave_type, inside the form's own step: the question
        # shows in the tracker as the bot's message of that response
        asked_now = (event.get("event") == "action" and event.get("name") == "action_ask_leave_type") or (
            event.get("event") == "bot"
            and (event.get("metadata") or {}).get("utter_action") == "utter_ask_leave_type"
        )
        asked += asked_now
    return asked


def _lets_go(tracker: Tracker, *, candidate: bool = False) -> bool:
    """The user turned to something else at "Which type of leave?" after it went unanswered before
    ("can u book meeting room 5 for thurs 2pm" read as leave, then two other requests): the form
    lets go instead of asking again under every answer. Nothing was submitted. ``candidate``: the
    slot holds the message itself, being validated (it names no type)."""
    raw_intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return (
        tracker.active_loop_name == "leave_form"
        and tracker.get_slot("requested_slot") == "leave_type"
        and (candidate or not tracker.get_slot("leave_type"))
        and raw_intent not in STAYS_WITH_FORM
        and not tracker.slots_to_validate().get("leave_reason")  # a reason now answers for the form
        and _type_questions_unanswered(tracker) >= UNANSWERED_TYPE_QUESTIONS
    )


def _corrects(tracker: Tracker) -> bool:
    """Whether the message changes the request waiting at the preview: a correction, or the
    request said again ("oh wait, make it 12/16 to 12/17 only" reads as a request as often as a
    correction); either way nothing is sent before the new preview is confirmed."""
    intent = latest_intent(tracker)
    return intent == "correct" or (
        intent == "apply_leave" and bool(tracker.get_slot("leave_awaiting_confirmation"))
    )


def _at_type_question(tracker: Tracker) -> bool:
    """The form asked "Which type of leave?" last and the message is not a yes, a no or a stop
    (a statement the NLU read as another request may still answer it: answers_type_question)."""
    return (
        tracker.active_loop_name == "leave_form"
        and tracker.get_slot("requested_slot") == "leave_type"
        and latest_intent(tracker) not in ("affirm", "deny", "stop", "goodbye", "skip")
    )


def _may_give_a_reason(tracker: Tracker) -> bool:
    """The request and the answers to the form's questions may say why; a correction of a filled
    request ("不对，是下午") says what to change."""
    return _answers_the_type(tracker) or (
        latest_intent(tracker) in REASON_INTENTS and tracker.get_slot("requested_slot") in REASON_STEPS
    )


def _clearly(tracker: Tracker, intents: tuple[str, ...]) -> bool:
    """The latest message is, with confidence, one of ``intents`` (a yes, a no, a skip)."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name") in intents and float(intent.get("confidence") or 0.0) >= ANSWER_CONFIDENCE


def _held_before(tracker: Tracker, slot: str) -> Any:
    """The value ``slot`` held before the latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _iso(value: Any) -> date:
    return date.fromisoformat(str(value))


def _half_day_of(text: str) -> str | None:
    """am / pm / none from a button value or words ("afternoon", "全天"); None if unclear."""
    value = text.strip().lower()
    if value in ("am", "pm", "none"):
        return value
    found = [key for key, pattern in HALF_DAY_TEXT.items() if pattern.search(value)]
    return found[0] if len(found) == 1 else None


def _apply_correction(text: str, day: date, start: date, end: date) -> tuple[date, date]:
    """Which end of the range a one-date correction changes ("no, the 6th", "不对，是6号")."""
    if START_WORDS.search(text):
        return day, end
    if END_WORDS.search(text):
        return start, day
    return (day, end) if day < start else (start, day)


def _form_values(tracker: Tracker) -> dict[str, Any]:
    half = tracker.get_slot("leave_half_day")
    reason = tracker.get_slot("leave_reason")
    return {
        "leave_type": tracker.get_slot("leave_type"),
        "from_date": _iso(tracker.get_slot("leave_start")),
        "to_date": _iso(tracker.get_slot("leave_end")),
        "half_day": half if half in ("am", "pm") else None,
        "reason": None if reason in (None, "-") else reason,
    }


class ActionPreviewLeave(BackendAction):
    """Ask the backend what the filled form would mean (working days, holidays, balance after)
    and ask for an explicit yes before anything is submitted."""

    def name(self) -> str:
        return "action_preview_leave"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if not (tracker.get_slot("leave_type") and tracker.get_slot("leave_start")):
            return reset_events()
        return await self.preview(pc, dispatcher, tracker, domain, lang, _form_values(tracker))

    async def preview(
        self,
        pc: PersonnelClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
        values: dict[str, Any],
    ) -> list[EventType]:
        quote = await pc.preview_leave(**values)
        names = type_names(await leave_types_of(pc), lang)
        excluded = []
        for day in quote.excluded:
            label = format_date(day.date, lang)
            holiday = day.holiday_zh if lang == "zh" else day.holiday_en
            if holiday:
                label += f"（{holiday}）" if lang == "zh" else f" ({holiday})"
            excluded.append(label)
        if excluded:
            excluded_text = (
                ("\n不计入：" + "、".join(excluded))
                if lang == "zh"
                else ("\nNot counted: " + ", ".join(excluded))
            )
        else:
            excluded_text = ""
        if quote.needs_balance and quote.balance_after is not None:
            balance = (
                f"{num(quote.balance_before)} 天 → {num(quote.balance_after)} 天"
                if lang == "zh"
                else f"{num(quote.balance_before)} → {num(quote.balance_after)} days"
            )
        else:
            balance = "该假期类型不扣减余额" if lang == "zh" else "this leave type does not use a balance"
        dispatcher.utter_message(
            response="utter_leave_preview",
            leave_type_name=names.get(quote.leave_type, quote.leave_type),
            period=format_period(quote.from_date, quote.to_date, lang, quote.half_day or "none"),
            working_days=num(quote.working_days),
            excluded=excluded_text,
            balance=balance,
            reason=reason_line(domain, values["reason"], lang),
        )
        if not quote.calendar_complete:
            dispatcher.utter_message(response="utter_leave_calendar_incomplete")
        return [SlotSet("leave_awaiting_confirmation", True)]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return reset_events()


def reason_line(domain: DomainDict, reason: str | None, lang: str) -> str:
    """The preview's reason line: the reason that will reach the manager, or how to add one."""
    if reason:
        return "\n" + response_text(domain, "utter_leave_reason_line", lang).format(reason=reason)
    return "\n" + response_text(domain, "utter_leave_reason_hint", lang)


class ActionLeaveAddReason(ActionPreviewLeave):
    """Words typed at the preview that are not a yes, a no or a correction are the reason for the
    manager ("moving house", "家里装修要盯着"): added, and the request previewed again. Words that only
    name a date or a type are not a reason: the preview says how to change the request."""

    def name(self) -> str:
        return "action_leave_add_reason"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if not (tracker.get_slot("leave_awaiting_confirmation") and tracker.get_slot("leave_start")):
            return reset_events()
        text = typed_text(tracker).strip()
        if not reason_in(text, today().date(), type_words(await leave_types_of(pc))):
            dispatcher.utter_message(response="utter_leave_confirm_hint")
            return []
        reason = text[:MAX_REASON]
        values = {**_form_values(tracker), "reason": reason}
        return [
            SlotSet("leave_reason", reason),
            *await self.preview(pc, dispatcher, tracker, domain, lang, values),
        ]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return []  # the request stays previewed: a failed lookup must not drop it


def submission_key(tracker: Tracker, who: Identity, values: dict[str, Any]) -> str:
    """Deterministic per submission: the same confirmed form in the same conversation always
    yields the same key (a retry cannot book twice), a new run of the form a new one."""
    started = next(
        (
            e.get("timestamp")
            for e in reversed(tracker.events)
            if e.get("event") == "active_loop" and e.get("name") == "leave_form"
        ),
        None,
    )
    raw = "|".join(
        [tracker.sender_id, who.employee_id, str(started), *(str(values[k]) for k in sorted(values))]
    )
    return "leave-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


class ActionSubmitLeave(BackendAction):
    """Submit the confirmed request once, then read it back from the backend (id and status)."""

    def name(self) -> str:
        return "action_submit_leave"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if not tracker.get_slot("leave_awaiting_confirmation") or not tracker.get_slot("leave_start"):
            return reset_events()
        values = _form_values(tracker)
        created = await pc.apply_leave(**values, idempotency_key=submission_key(tracker, who, values))
        stored = await pc.get_leave(created.id)
        names = type_names(await leave_types_of(pc), lang)
        dispatcher.utter_message(
            response="utter_leave_submitted",
            leave_id=stored.id,
            leave_type_name=names.get(stored.leave_type, stored.leave_type),
            period=format_period(stored.from_date, stored.to_date, lang, stored.half_day),
            working_days=num(stored.working_days),
            status=STATUS[lang].get(stored.status, stored.status),
        )
        return [*reset_events(), confirm.done("leave", stored.id)]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return reset_events()


class ActionLeaveReset(Action):
    """Change of mind at any step: stop the form, forget every value, confirm nothing was sent."""

    def name(self) -> str:
        return "action_leave_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_leave_not_submitted")
        else:
            dispatcher.utter_message(response="utter_stopped")
        return reset_events()
