"""The employee's own leave requests: their status, and cancelling one.

Requests are named the way people name them ("the leave I booked on December 22", "my sick leave",
"12月22日那条", "#12"): ``actions.references`` reads the reference and picks the requests it fits.
Whether a request can still be cancelled is the backend's rule, shown on every request it lists
(``cancellable`` / ``cancel_refusal``); these actions only offer what it allows and ask before
cancelling what the user named in words.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.common import BackendAction, explain_error, picked_id, today, typed_text
from actions.dates import format_date, format_period
from actions.leave import match_leave_type, request_line, type_names
from actions.leave_types import leave_types_of
from actions.references import Reference, Resolution, read_reference, resolve
from hrbot.identity import Identity
from personnel.client import LeaveApplicationOut, LeaveTypeOut, PersonnelClient, PersonnelError

LIST_AT_MOST = 8
#: the user as the approver ("waiting for me to approve", "need my approval", "等我批", "要我 approve"):
#: the requests meant are the ones waiting for their decision, not their own
_ME_APPROVING = re.compile(
    r"\b(?:for|need|needs|want|wants|waiting|on)\s+(?:me|my)\s+(?:to\s+)?(?:approv|sign|ok\b|decid|review)"
    r"|\bmy\s+(?:approval|sign[- ]?off|decision|review)"
    r"|(?:等|待|要|需要|让|给)我\s*(?:来|去)?\s*(?:approve|批|审|签|处理|决定)",
    re.I,
)
SEPARATOR = {"en": ", ", "zh": "，"}


def period_of(app: LeaveApplicationOut) -> tuple[date, date]:
    return app.from_date, app.to_date


def find_requests(
    tracker: Tracker, apps: list[LeaveApplicationOut], types: list[LeaveTypeOut]
) -> tuple[Reference, str | None, Resolution]:
    """The requests the latest message names (by number, date or leave type)."""
    ref = read_reference(typed_text(tracker), today().date())
    named_type = next(tracker.get_latest_entity_values("leave_type"), None)
    kind = match_leave_type(str(named_type), types) if named_type else None
    found = resolve(
        ref,
        apps,
        record_id=lambda a: a.id,
        period=period_of,
        kind_of=lambda a: a.leave_type,
        kind=kind,
    )
    return ref, kind, found


def describe(ref: Reference, kind_name: str | None, lang: str) -> str:
    """The reference in the user's language ("annual leave, Tue 22 Dec 2026"), to say what fit nothing."""
    parts = [kind_name] if kind_name else []
    if ref.dates:
        parts.append(format_period(ref.dates[0], ref.dates[1], lang))
    parts += [f"#{i}" for i in ref.ids]
    if ref.ambiguous is not None:
        parts.append(f"#{ref.ambiguous}")
    return SEPARATOR[lang].join(parts)


def request_button(app: LeaveApplicationOut, names: dict[str, str], lang: str, intent: str) -> dict[str, str]:
    return {
        "title": f"#{app.id} {names.get(app.leave_type, app.leave_type)} {format_date(app.from_date, lang)}",
        "payload": f'/{intent}{{"leave_id":"{app.id}"}}',
    }


def offer_readings(
    dispatcher: CollectingDispatcher,
    found: Resolution,
    ref: Reference,
    names: dict[str, str],
    lang: str,
    intent: str,
) -> None:
    """A number that is a request number and a day: ask which was meant, one button per request."""
    as_id, as_day = found.ask or ([], [])
    apps = list({a.id: a for a in [*as_id, *as_day]}.values())
    dispatcher.utter_message(
        response="utter_which_record",
        number=ref.ambiguous,
        buttons=[request_button(a, names, lang, intent) for a in apps],
    )


class ActionMyLeaveRequests(BackendAction):
    """The employee's leave requests with their status, or the ones the message names."""

    def name(self) -> str:
        return "action_my_leave_requests"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        if _ME_APPROVING.search(typed_text(tracker)):
            from actions.approvals import show_pending  # approvals builds on this module

            await show_pending(pc, dispatcher, lang)
            return confirm.cleared("cancel_leave")
        apps = await pc.list_leave(employee_id=who.employee_id)
        if not apps:
            dispatcher.utter_message(response="utter_leave_requests_none")
            return confirm.cleared("cancel_leave")
        types = await leave_types_of(pc)
        names = type_names(types, lang)
        picked = picked_id(tracker, "leave_id")
        if picked is not None:
            ref, kind, found = (
                Reference(ids=(picked,)),
                None,
                Resolution([a for a in apps if a.id == picked], True),
            )
        else:
            ref, kind, found = find_requests(tracker, apps, types)
        if found.ask:
            offer_readings(dispatcher, found, ref, names, lang, "my_leave_requests")
        elif found.named and found.matches:
            lines = "\n".join(request_line(a, names, lang) for a in found.matches[:LIST_AT_MOST])
            dispatcher.utter_message(response="utter_leave_requests_matching", lines=lines)
        else:
            if found.named:
                what = describe(ref, names.get(kind or "", None), lang)
                dispatcher.utter_message(response="utter_leave_none_matching", what=what)
            recent = sorted(apps, key=lambda a: a.from_date, reverse=True)[:15]
            lines = "\n".join(request_line(a, names, lang) for a in recent)
            dispatcher.utter_message(response="utter_leave_requests", lines=lines)
        return confirm.cleared("cancel_leave")


class ActionCancelLeave(BackendAction):
    """Cancel the request the user picked (a button, or a yes to "Cancel #12?"); otherwise find the
    request the message names and ask before cancelling it, or offer the cancellable ones."""

    def name(self) -> str:
        return "action_cancel_leave"

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
        names = type_names(types, lang)
        leave_id = confirm.confirmed(tracker, "cancel_leave") or picked_id(tracker, "leave_id")
        if leave_id is not None:
            return await self._cancel(pc, dispatcher, tracker, leave_id, names, lang)
        apps = await pc.list_leave(employee_id=who.employee_id)
        ref, kind, found = find_requests(tracker, apps, types)
        if found.ask:
            offer_readings(dispatcher, found, ref, names, lang, "cancel_leave")
            return confirm.cleared("cancel_leave")
        recent = confirm.just_done(tracker, "leave")
        made = next((a for a in apps if recent and a.id == recent[1] and a.cancellable), None)
        if not found.named and made is not None:
            # "actually cancel that one" right after submitting it: that one
            return self._ask(dispatcher, made, names, lang)
        if found.named and not found.matches:
            what = describe(ref, names.get(kind or "", None), lang)
            dispatcher.utter_message(response="utter_leave_none_matching", what=what)
        if found.named and len(found.matches) == 1:
            app = found.matches[0]
            if app.cancellable and confirm.asked_about(tracker, "cancel_leave", app.id):
                # named again in answer to the question about it ("yes, the one on the 22nd"): a yes
                return await self._cancel(pc, dispatcher, tracker, app.id, names, lang)
            if app.cancellable:
                return self._ask(dispatcher, app, names, lang)
            refusal = PersonnelError(app.cancel_refusal or "invalid_state", "", 409, {"leave_id": app.id})
            explain_error(dispatcher, domain, refusal, lang)
            return confirm.cleared("cancel_leave")
        named = found.named and bool(found.matches)
        pool = sorted(
            (a for a in (found.matches if named else apps) if a.cancellable), key=lambda a: a.from_date
        )
        if not pool:
            dispatcher.utter_message(response="utter_leave_cancel_none")
        elif len(pool) == 1 and not found.named:
            return self._ask(dispatcher, pool[0], names, lang)
        else:
            pool = pool[:LIST_AT_MOST]
            dispatcher.utter_message(
                response="utter_leave_cancel_pick",
                lines="\n".join(request_line(a, names, lang) for a in pool),
                buttons=[request_button(a, names, lang, "cancel_leave") for a in pool],
            )
        return confirm.cleared("cancel_leave")

    @staticmethod
    async def _cancel(
        pc: PersonnelClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        leave_id: int,
        names: dict[str, str],
        lang: str,
    ) -> list[EventType]:
        app = await pc.cancel_leave(leave_id)
        dispatcher.utter_message(
            response="utter_leave_cancelled",
            leave_id=app.id,
            leave_type_name=names.get(app.leave_type, app.leave_type),
            period=format_period(app.from_date, app.to_date, lang, app.half_day),
        )
        made_just_now = confirm.just_done(tracker, "leave") == ("leave", app.id)
        return [*confirm.cleared("cancel_leave"), *([confirm.undone()] if made_just_now else [])]

    @staticmethod
    def _ask(
        dispatcher: CollectingDispatcher, app: LeaveApplicationOut, names: dict[str, str], lang: str
    ) -> list[EventType]:
        values: dict[str, Any] = {
            "leave_id": app.id,
            "leave_type_name": names.get(app.leave_type, app.leave_type),
            "period": format_period(app.from_date, app.to_date, lang, app.half_day),
        }
        return confirm.ask(dispatcher, "cancel_leave", app.id, **values)

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return confirm.cleared("cancel_leave")
