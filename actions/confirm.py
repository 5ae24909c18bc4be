"""Asking before a change the user named in words, and acting only on a yes to that question.

"Cancel the leave I booked on the 22nd" names a record; the action found exactly one and asks
"Cancel request #12 (annual leave, Tue 22 Dec)?". The question sets ``pending_confirmation`` (what
is waiting) and the record's id slot; the rules send a yes to the action that asked and a no (or
"stop") to ``action_confirmation_declined``. A yes counts only as the answer to that question, the
bot's last message: a stray "yes" later in the conversation changes nothing.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import as_int, latest_intent

PENDING = "pending_confirmation"
#: the record the conversation just made ({"kind": "enrolment" | "leave", "id": 12}): "actually
#: drop me from that one" / "算了，还是退掉吧" right after it means that record
JUST_DONE = "just_done"
#: how many earlier user messages back a record still counts as just made
JUST_DONE_TURNS = 3
#: what may wait for a yes -> (the question asked, the slot holding the record's id)
QUESTIONS = {
    "cancel_leave": ("utter_cancel_confirm", "leave_id"),
    "approve_leave": ("utter_approve_confirm", "leave_id"),
    "withdraw_course": ("utter_withdraw_confirm", "enrolment_id"),
}
#: the same kinds asked about several records at once ("approve both?"): the question asked; the
#: id slot then holds the ids comma-separated ("5,6")
SEVERAL = {"approve_leave": "utter_approve_several_confirm"}


def ask(dispatcher: CollectingDispatcher, kind: str, record_id: int, **values: Any) -> list[EventType]:
    """Ask the yes/no question for ``kind`` about one record and remember what waits."""
    response, slot = QUESTIONS[kind]
    dispatcher.utter_message(response=response, **values)
    return [SlotSet(slot, str(record_id)), SlotSet(PENDING, kind)]


def ask_several(
    dispatcher: CollectingDispatcher, kind: str, record_ids: list[int], **values: Any
) -> list[EventType]:
    """Ask one yes/no question for ``kind`` about several records together and remember them all."""
    _, slot = QUESTIONS[kind]
    dispatcher.utter_message(response=SEVERAL[kind], **values)
    return [SlotSet(slot, ",".join(str(i) for i in record_ids)), SlotSet(PENDING, kind)]


def last_bot_response(tracker: Tracker) -> str | None:
    """The domain response the bot's latest message came from (what the user answers)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def _names_nothing(tracker: Tracker) -> bool:
    """No record named: no entity (but the language) and no number or date in the text."""
    latest = tracker.latest_message or {}
    entities = [e for e in latest.get("entities") or [] if e.get("entity") != "language"]
    return not entities and not any(ch.isdigit() for ch in latest.get("text") or "")


def confirmed(tracker: Tracker, kind: str) -> int | None:
    """The record id when the latest message is a yes to the ``kind`` question just asked.

    Asked "Cancel request #12?", "yes please cancel it" / "对，帮我撤销" is a yes even when the NLU
    reads it as the request itself (intent ``kind``), as long as it names no other record; a
    request that names one is a new request, looked up as such."""
    response, slot = QUESTIONS[kind]
    intent = latest_intent(tracker)
    if tracker.get_slot(PENDING) != kind:
        return None
    if intent != "affirm" and not (intent == kind and _names_nothing(tracker)):
        return None
    if last_bot_response(tracker) != response:
        return None
    return as_int(tracker.get_slot(slot))


def asked_about(tracker: Tracker, kind: str, record_id: int) -> bool:
    """Whether the ``kind`` question just asked was about this very record: the request naming it
    again ("对，12月10号那个，同意" to "Approve #23 (10–11 Dec)?") answers that question with a yes."""
    response, slot = QUESTIONS[kind]
    return (
        tracker.get_slot(PENDING) == kind
        and last_bot_response(tracker) == response
        and as_int(tracker.get_slot(slot)) == record_id
    )


def confirmed_several(tracker: Tracker, kind: str) -> list[int]:
    """The record ids when the latest message is a yes to the question about several records at
    once just asked ("Approve these 2 requests?" -> "确认", "yes approve both"); else none."""
    _, slot = QUESTIONS[kind]
    intent = latest_intent(tracker)
    if tracker.get_slot(PENDING) != kind or kind not in SEVERAL:
        return []
    if intent != "affirm" and not (intent == kind and _names_nothing(tracker)):
        return []
    if last_bot_response(tracker) != SEVERAL[kind]:
        return []
    ids = [as_int(part) for part in str(tracker.get_slot(slot) or "").split(",")]
    return [i for i in ids if i is not None]


def cleared(kind: str | None = None) -> list[EventType]:
    """Events forgetting what waited for a yes (all kinds when ``kind`` is None)."""
    slots = {QUESTIONS[kind][1]} if kind else {slot for _, slot in QUESTIONS.values()}
    return [SlotSet(PENDING, None), *(SlotSet(slot, None) for slot in sorted(slots))]


def done(kind: str, record_id: int) -> EventType:
    """Remember the record this turn made (an enrolment, a submitted leave request)."""
    return SlotSet(JUST_DONE, {"kind": kind, "id": record_id})


def undone() -> EventType:
    """The record just made was undone (or another took its place): nothing to point back at."""
    return SlotSet(JUST_DONE, None)


def just_done(tracker: Tracker, kind: str | None = None) -> tuple[str, int] | None:
    """The record made in answer to one of the last few user messages (kind and id), or None.

    Read from the slot's events, so that a record made long ago in the conversation is not
    "that one" any more; ``kind`` keeps only that kind."""
    seen = 0
    for event in reversed(list(tracker.events or [])):
        if event.get("event") == "user":
            seen += 1
            if seen > JUST_DONE_TURNS + 1:  # the latest message, and the few before it
                return None
        elif event.get("event") == "slot" and event.get("name") == JUST_DONE:
            value = event.get("value")
            if not isinstance(value, dict) or (record_id := as_int(value.get("id"))) is None:
                return None
            if kind is not None and value.get("kind") != kind:
                return None
            return str(value.get("kind")), record_id
    return None


class ActionConfirmationDeclined(Action):
    """A no (or "stop") to a pending change: nothing changes, and nothing waits any more."""

    def name(self) -> str:
        return "action_confirmation_declined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_nothing_changed")
        return cleared()
