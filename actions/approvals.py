"""Managers' approvals in conversation: what waits for them, approve, reject with a reason.

Who may decide which request is the backend's rule; the actions list what the backend returns as
pending for the signed-in manager and act on the request picked: a button, a number written as one
("approve #12"), or a request named by its employee or date ("approve Li Na's leave") after a yes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.common import (
    BackendAction,
    BackendErrors,
    as_int,
    identity,
    latest_intent,
    name_of,
    personnel_client,
    picked_id,
    today,
    typed_text,
)
from actions.dates import format_period
from actions.leave import request_line, type_names
from actions.leave_requests import period_of
from actions.leave_types import leave_types_of, named_leave_type
from actions.offers import last_offers
from actions.reasons import EXPLICIT, FILLER, MAX_REASON, REQUEST_WORDS, _clauses, _has_content, _is_question
from actions.references import Reference, Resolution, read_reference, resolve
from hrbot.identity import Identity
from personnel.client import LeaveApplicationOut, LeaveTypeOut, PersonnelClient

SHOW_AT_MOST = 6
#: the reject form's slots for a request named in words with its reason: ask before rejecting,
#: and the answer to that question
ASK_FIRST = "reject_ask_first"
CONFIRMED = "reject_confirmed"
#: "approve both", "all of them", "两个都同意", "全部批了": every request in scope, not one of them
_EVERY = re.compile(
    r"(?<![A-Za-z])(?:both|all|every|each)(?![A-Za-z])|两个|两份|俩|全部|所有|全都|都(?:同意|批|通过|准|approve)",
    re.I,
)
_BOTH = re.compile(r"(?<![A-Za-z])both(?![A-Za-z])|两个|两份|俩", re.I)


def request_words(tracker: Tracker) -> str:
    """What the message says about the request, without a reason given with it ("reject the one on
    the 7th, reason: year-end close"): the reason's words name no request."""
    text = typed_text(tracker)
    found = EXPLICIT.search(text)
    return text[: found.start()] if found else text


def leave_id_of(tracker: Tracker) -> int | None:
    """The request the reject form is about: a button, a number written as one in the message, or
    the one it is already rejecting (it asks for the reason the turn after)."""
    ids = read_reference(request_words(tracker), today().date()).ids
    for value in (
        picked_id(tracker, "leave_id"),
        ids[0] if ids else None,
        as_int(tracker.get_slot("leave_id")),
    ):
        if value is not None:
            return value
    return None


def _person(app: LeaveApplicationOut, lang: str) -> str:
    return name_of(app, "employee_name", lang) or app.employee_id


async def show_pending(
    pc: PersonnelClient,
    dispatcher: CollectingDispatcher,
    lang: str,
    apps: list[LeaveApplicationOut] | None = None,
) -> None:
    """The requests waiting for the acting manager, with approve/reject buttons."""
    apps = await pc.pending_approvals() if apps is None else apps
    if not apps:
        dispatcher.utter_message(response="utter_approvals_none")
        return
    names = type_names(await leave_types_of(pc), lang)
    apps = sorted(apps, key=lambda a: a.from_date)[:SHOW_AT_MOST]
    lines, buttons = [], []
    for a in apps:
        line = request_line(a, names, lang).replace(f"#{a.id} ", f"#{a.id} {_person(a, lang)}: ", 1)
        if a.reason:
            line += f"（事由：{a.reason}）" if lang == "zh" else f" (reason: {a.reason})"
        lines.append(line)
        approve, reject = ("批准", "驳回") if lang == "zh" else ("Approve", "Reject")
        buttons.append({"title": f"{approve} #{a.id}", "payload": f'/approve_leave{{"leave_id":"{a.id}"}}'})
        buttons.append({"title": f"{reject} #{a.id}", "payload": f'/reject_leave{{"leave_id":"{a.id}"}}'})
    dispatcher.utter_message(response="utter_approvals", lines="\n".join(lines), buttons=buttons)


class ActionPendingApprovals(BackendAction):
    """Managers: the open requests of their reports (the backend decides who is whose manager)."""

    def name(self) -> str:
        return "action_pending_approvals"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        await show_pending(pc, dispatcher, lang)
        return []


def named_in(ref: Reference, pending: list[LeaveApplicationOut], kind: str | None = None) -> Resolution:
    """The pending requests a message names by number, employee (either language) or date, and by
    the leave type it names ("刘洋那个事假", "Liu Yang's personal leave") when that narrows them to
    some: a type that fits none of them (one named in passing) is not held against the rest."""
    how: dict[str, Any] = {
        "record_id": lambda a: a.id,
        "period": period_of,
        "names": lambda a: (a.employee_name_en or "", a.employee_name_zh or "", a.employee_id),
    }
    if (
        kind is not None
        and (narrowed := resolve(ref, pending, **how, kind_of=lambda a: a.leave_type, kind=kind)).matches
    ):
        return narrowed
    return resolve(ref, pending, **how)


def _people_named(text: str, pending: Sequence[LeaveApplicationOut]) -> dict[str, list[LeaveApplicationOut]]:
    """The employees a message names by their full name (either language) or id, with their
    pending requests ("Rui Guo和韩芳的leave" names two people)."""
    lowered = " ".join((text or "").lower().split())
    people: dict[str, list[LeaveApplicationOut]] = {}
    for app in pending:
        forms = (app.employee_name_en, app.employee_name_zh, app.employee_id)
        if any(f and " ".join(f.lower().split()) in lowered for f in forms):
            people.setdefault(app.employee_id, []).append(app)
    return people


def approved_together(
    text: str, pending: Sequence[LeaveApplicationOut], offered: Sequence[int]
) -> list[LeaveApplicationOut]:
    """The requests one message approves together, when it approves several: one each of two or
    more people it names ("approve Rui Guo's and Fang Han's"), or "both" / "all" of the requests
    just listed (of all pending when none was listed: "两个都同意吧", "approve them all"). "Both"
    must mean exactly two. None when the message means one request, or it is unclear which."""
    people = _people_named(text, pending)
    if len(people) >= 2:
        if all(len(apps) == 1 for apps in people.values()) or _EVERY.search(text or ""):
            return [a for apps in people.values() for a in apps]
        return []
    if people or not _EVERY.search(text or ""):
        return []
    scope = [a for a in pending if a.id in offered] or list(pending)
    if _BOTH.search(text or "") and len(scope) != 2:
        return []
    return scope if len(scope) >= 2 else []


def _approved_ids_offered(tracker: Tracker) -> list[int]:
    """The requests the bot's last turn offered to approve (its approve buttons)."""
    return [i for o in last_offers(tracker) if o.intent == "approve_leave" and (i := o.id("leave_id"))]


class ActionApproveLeave(BackendAction):
    """Approve the request picked with a button, or the one named in words (a number written as
    one, the employee's name, a date) after a yes; otherwise show the pending list to pick from."""

    def name(self) -> str:
        return "action_approve_leave"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if several := confirm.confirmed_several(tracker, "approve_leave"):
            # a yes to "approve these 2 requests?": each is decided by the backend in turn
            names = type_names(await leave_types_of(pc), lang)
            for leave_id in several:
                _say_approved(dispatcher, await pc.decide_leave(leave_id, True), names, lang)
            return confirm.cleared("approve_leave")
        leave_id = confirm.confirmed(tracker, "approve_leave") or picked_id(tracker, "leave_id")
        if leave_id is None:
            pending = await pc.pending_approvals()
            text = typed_text(tracker)
            if len(together := approved_together(text, pending, _approved_ids_offered(tracker))) >= 2:
                names = type_names(await leave_types_of(pc), lang)
                lines = [
                    request_line(a, names, lang).replace(f"#{a.id} ", f"#{a.id} {_person(a, lang)}: ", 1)
                    for a in sorted(together, key=lambda a: a.from_date)
                ]
                return confirm.ask_several(
                    dispatcher,
                    "approve_leave",
                    [a.id for a in together],
                    count=len(together),
                    lines="\n".join(lines),
                )
            ref = read_reference(text, today().date())
            found = named_in(ref, pending, named_leave_type(text, await leave_types_of(pc)))
            if (
                found.named
                and len(found.matches) == 1
                and confirm.asked_about(tracker, "approve_leave", found.matches[0].id)
            ):
                # named again in answer to the question about it: a yes
                app = await pc.decide_leave(found.matches[0].id, True)
                _say_approved(dispatcher, app, type_names(await leave_types_of(pc), lang), lang)
                return confirm.cleared("approve_leave")
            if found.named and len(found.matches) == 1:
                app = found.matches[0]
                names = type_names(await leave_types_of(pc), lang)
                return confirm.ask(dispatcher, "approve_leave", app.id, **_described(app, names, lang))
            number = ref.ids[0] if ref.ids else ref.ambiguous
            if number is not None and not found.matches and not found.ask:
                # a number that is not waiting for this manager
                dispatcher.utter_message(response="utter_approval_not_pending", leave_id=number)
            await show_pending(
                pc, dispatcher, lang, found.matches if found.named and found.matches else pending
            )
            return confirm.cleared("approve_leave")
        app = await pc.decide_leave(leave_id, True)
        _say_approved(dispatcher, app, type_names(await leave_types_of(pc), lang), lang)
        return confirm.cleared("approve_leave")

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return confirm.cleared("approve_leave")


def _say_approved(
    dispatcher: CollectingDispatcher, app: LeaveApplicationOut, names: dict[str, str], lang: str
) -> None:
    """The approval as the backend recorded it: whose, which type, which days."""
    dispatcher.utter_message(response="utter_leave_approved", **_described(app, names, lang))


def _described(app: LeaveApplicationOut, names: dict[str, str], lang: str) -> dict[str, Any]:
    """Which request it is, as every approval and rejection message names it: its number, whose,
    which type, which days."""
    return {
        "leave_id": app.id,
        "employee_name": _person(app, lang),
        "leave_type_name": names.get(app.leave_type, app.leave_type),
        "period": format_period(app.from_date, app.to_date, lang, app.half_day),
    }


async def _pending(tracker: Tracker) -> tuple[list[LeaveApplicationOut], list[LeaveTypeOut]]:
    """The requests waiting for the signed-in manager, and the leave types (none when the backend
    cannot say)."""
    who = identity(tracker)
    if who is None:
        return [], []
    try:
        async with personnel_client(who) as pc:
            return await pc.pending_approvals(), await leave_types_of(pc)
    except BackendErrors:
        return [], []


def _named_pending(
    tracker: Tracker, pending: list[LeaveApplicationOut], types: Sequence[LeaveTypeOut] = ()
) -> int | None:
    """The one pending request the message names by its employee, type or date ("reject Liang
    Yan's personal leave", "梁燕那个事假驳回吧"), as approving does; None when none or several fit
    (the pending list is then shown to pick from)."""
    if tracker.get_slot("requested_slot") is not None:
        return None
    day = today().date()
    words = request_words(tracker)
    found = named_in(read_reference(words, day), pending, named_leave_type(words, list(types)))
    if found.named and len(found.matches) == 1:
        return found.matches[0].id
    # a reason beside the request may name other dates ("…, he can take the 15th instead"): the
    # clause that names the request
    for clause in _clauses(request_words(tracker)):
        hit = named_in(read_reference(clause, day), pending)
        if hit.named and hit.matches:
            return hit.matches[0].id if len(hit.matches) == 1 else None
    return None


def reason_given(text: str, pending: Sequence[LeaveApplicationOut] = ()) -> str | None:
    """The reason a reject request gives in the same message: after "reason:", "because", "因为"
    ("reject #5, reason: release week", "梁燕那个驳回，因为那周要上线"), or in the clauses beside
    the one naming the request ("reject Li Na's, we ship that week", "李娜的驳回，那周要上线"): the
    manager is not asked for it again. A message that only names the request, or only says yes
    ("yes reject", "对，驳回"), gives none."""
    found = EXPLICIT.search(text or "")
    if found:
        reason = found.group("reason").strip(" ,，.。")
        return reason[:MAX_REASON] if reason else None
    clauses = _clauses(text or "")
    day = today().date()
    naming = next(
        (
            i
            for i, clause in enumerate(clauses)
            if (hit := named_in(read_reference(clause, day), list(pending))).named and hit.matches
        ),
        None,
    )
    if naming is None:
        return None
    names = [n for a in pending for n in (a.employee_name_en, a.employee_name_zh, a.employee_id) if n]
    kept = []
    for i, clause in enumerate(clauses):
        body = clause.strip().rstrip(",，。.!！;；").strip()
        if (
            i == naming
            or not body
            or _is_question(clause)
            or FILLER.match(body)
            or REQUEST_WORDS.search(body)
        ):
            continue
        if not _has_content(_without(body, names)):
            continue  # "Liu Yang's": the request again, not why
        kept.append(clause.strip())
    reason = ""
    for clause in kept:  # as written: "we ship that week. he can move it", "那周上线，让他换一周"
        reason += ("" if not reason or reason[-1] in "，。！；、" else " ") + clause
    reason = reason.strip(" ,，.。")
    return reason[:MAX_REASON] if reason else None


def _without(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    return text


def only_confirms(tracker: Tracker) -> bool:
    """Whether the answer to "why are you rejecting?" only says yes ("yes", "对", "yes reject",
    "驳回吧"): a yes, or the reject request again with no reason in it, is never the reason."""
    intent = latest_intent(tracker)
    if intent in ("affirm", "deny"):
        return True
    return intent == "reject_leave" and reason_given(typed_text(tracker)) is None


class ValidateRejectForm(FormValidationAction):
    """The reject form only asks for a reason when there is a request to reject and a signed-in user."""

    def name(self) -> str:
        return "validate_reject_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        before = as_int(tracker.get_slot("leave_id"))
        first = tracker.get_slot("requested_slot") is None and not tracker.get_slot("reject_reason")
        pending, types = await _pending(tracker) if first else ([], [])
        if leave_id_of(tracker) is None and (named := _named_pending(tracker, pending, types)) is not None:
            tracker.slots["leave_id"] = str(named)  # seen by required_slots in this same run
        given: list[EventType] = []
        if first and (reason := reason_given(typed_text(tracker), pending)):
            tracker.slots["reject_reason"] = reason  # the form has what it would ask for
            given = [SlotSet("reject_reason", reason)]
            if picked_id(tracker, "leave_id") is None:
                # the request named in words ("reject Emily's, Q4 renewals are due"): asked
                # first, naming it, as approving one named in words is; a button acts at once
                tracker.slots[ASK_FIRST] = True
                given.append(SlotSet(ASK_FIRST, True))
        events = [*given, *await super().run(dispatcher, tracker, domain)]
        leave_id = leave_id_of(tracker)
        if leave_id is not None and before != leave_id:
            events.insert(0, SlotSet("leave_id", str(leave_id)))  # "reject #12", "reject Li Na's"
        return events

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if identity(tracker) is None or leave_id_of(tracker) is None:
            return []
        if not tracker.get_slot(ASK_FIRST):
            return [s for s in domain_slots if s != CONFIRMED]
        return domain_slots

    async def validate_reject_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text or text.startswith("/"):
            return {"reject_reason": None}
        if only_confirms(tracker):
            # "yes reject" answers "why?" with a yes: asked again, never recorded as the reason
            return {"reject_reason": reason_given(text)}
        return {"reject_reason": text[:2000]}


class ActionAskRejectConfirmed(BackendAction):
    """The reject form's yes/no question for a request named in words with its reason: which
    request (whose, which type, which days) and the reason the employee will see."""

    def name(self) -> str:
        return "action_ask_reject_confirmed"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        leave_id = as_int(tracker.get_slot("leave_id"))
        app = next((a for a in await pc.pending_approvals() if a.id == leave_id), None)
        if app is None:  # decided meanwhile, or not this manager's: the reject action says so
            return [SlotSet(CONFIRMED, True)]
        names = type_names(await leave_types_of(pc), lang)
        dispatcher.utter_message(
            response="utter_ask_reject_confirmed",
            **_described(app, names, lang),
            reason=tracker.get_slot("reject_reason"),
        )
        return []


class ActionRejectLeave(BackendAction):
    """Reject the picked request with the manager's reason (the employee sees it)."""

    def name(self) -> str:
        return "action_reject_leave"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        leave_id = as_int(tracker.get_slot("leave_id"))
        reason = tracker.get_slot("reject_reason")
        if tracker.get_slot(ASK_FIRST) and tracker.get_slot(CONFIRMED) is False:
            dispatcher.utter_message(response="utter_nothing_changed")  # a no to "Reject …?"
            return self.on_error(tracker)
        if leave_id is None or not reason:
            await show_pending(pc, dispatcher, lang)
            return self.on_error(tracker)
        app = await pc.decide_leave(leave_id, False, reason)
        names = type_names(await leave_types_of(pc), lang)
        dispatcher.utter_message(
            response="utter_leave_rejected",
            **_described(app, names, lang),
            reason=app.decision_reason or reason,
        )
        return self.on_error(tracker)

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [
            SlotSet("leave_id", None),
            SlotSet("reject_reason", None),
            SlotSet(ASK_FIRST, None),
            SlotSet(CONFIRMED, None),
        ]
