"""A yes, a correction or a stop that answers no question the bot asked.

"Yes" counts as the answer to the question just asked (actions/confirm.py, the leave preview, the
course offered); the rules send it there. Left over is a yes that answers nothing: "确定" after
the bot stopped, "yes cancel it" after it said there was nothing to cancel. Such a yes either
names what the user wants done ("yes cancel it", "对，12月10号那个，同意"): that action's look-up
runs (it lists or asks, it never changes anything on a yes alone); or names nothing: the user is
told that nothing waits for a yes and what the assistant can do, instead of "I didn't understand".

A stop with nothing in progress is read the same careful way. Right after something was done (an
enrolment, a submitted leave request) "算了，还是退掉吧" or "ugh actually cancel that one" undoes
it: the withdraw or cancel flow asks first, naming the record. A plain "never mind" then is told
that what was done stays done, not that "nothing was submitted".

Which words name which action is language, not an HR rule; what may be cancelled, withdrawn or
approved stays the backend's to decide.
"""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.approvals import ActionApproveLeave
from actions.common import latest_intent, typed_text
from actions.leave_requests import ActionCancelLeave
from actions.offers import last_offers
from actions.policy import ActionAnswerPolicy, ActionHandoffToHR, answered_policy_last
from actions.training import ActionWithdrawCourse

# words that undo an enrolment only ("unenrol", "take me off", "退课"), and words that undo either
# kind of record ("cancel", "withdraw", "drop", "取消", "撤": a leave request is withdrawn too)
_UNENROL = re.compile(r"\b(?:un-?enrol+\w*|unregister\w*|deregister\w*)\b|take me off|pull me out|退", re.I)
_UNDO = re.compile(
    r"\b(?:cancel\w*|withdraw\w*|drop\w*|revoke|retract|undo|scrap|delete|remove)\b|撤|取消|删|不要了", re.I
)
_APPROVE = re.compile(r"\bapprove\w*\b|批准|批了|批一下|同意", re.I)
_COURSE = re.compile(r"\b(?:course|training|class|workshop|enrol\w*|waitlist)\b|课|培训|报名|候补", re.I)
#: the last action of an area tells which record a bare "cancel it" is about
_TRAINING_ACTIONS = frozenset(
    [
        "action_search_courses",
        "action_course_details",
        "action_enrol_course",
        "action_withdraw_course",
        "action_my_enrolments",
    ]
)
_LEAVE_ACTIONS = frozenset(
    [
        "action_cancel_leave",
        "action_submit_leave",
        "action_preview_leave",
        "action_my_leave_requests",
        "leave_form",
        "action_leave_balance",
        "action_pending_approvals",
        "action_approve_leave",
    ]
)
#: questions a yes answers by doing what they offered (the rules cover the others)
_OFFERS = {"utter_policy_offer_handoff": ActionHandoffToHR}


def undoes(text: str) -> bool:
    """Whether the message asks to undo something ("cancel that one", "退掉吧", "drop me")."""
    return bool(_UNENROL.search(text or "") or _UNDO.search(text or ""))


def _last_area(tracker: Tracker) -> str | None:
    for event in reversed(list(tracker.events or [])):
        if event.get("event") != "action":
            continue
        if event.get("name") in _TRAINING_ACTIONS:
            return "training"
        if event.get("name") in _LEAVE_ACTIONS:
            return "leave"
    return None


def named_action(tracker: Tracker) -> Action | None:
    """The action a yes names: approving, withdrawing from a course, cancelling a leave request.
    "Cancel it" is about a course when the message says so, or else when the record just made, or
    the conversation's last area, is one."""
    text = typed_text(tracker)
    if _APPROVE.search(text):
        return ActionApproveLeave()
    if _UNENROL.search(text):
        return ActionWithdrawCourse()
    if _UNDO.search(text):
        recent = confirm.just_done(tracker)
        about_course = (
            _COURSE.search(text) is not None
            or (recent is not None and recent[0] == "enrolment")
            or (recent is None and _last_area(tracker) == "training")
        )
        return ActionWithdrawCourse() if about_course else ActionCancelLeave()
    return None


def _asking(tracker: Tracker) -> Action | None:
    """The action whose yes/no question the bot just asked ("Cancel request #12?"), if any: a
    correction to it ("no, the one on the 15th") is looked up again by that action."""
    kind = tracker.get_slot(confirm.PENDING)
    if kind not in confirm.QUESTIONS or confirm.last_bot_response(tracker) not in (
        confirm.QUESTIONS[kind][0],
        confirm.SEVERAL.get(kind),
    ):
        return None
    return {
        "cancel_leave": ActionCancelLeave,
        "approve_leave": ActionApproveLeave,
        "withdraw_course": ActionWithdrawCourse,
    }[kind]()


class ActionUnaskedYes(Action):
    """A yes (or a correction) that no rule took as the answer to a question: the offer just made,
    the action it names (or, for a correction, the action that asked), a pick among the choices
    just shown, or what the assistant can do."""

    def name(self) -> str:
        return "action_unasked_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offered = _OFFERS.get(confirm.last_bot_response(tracker) or "")
        if offered is not None:
            return [*await offered().run(dispatcher, tracker, domain), *confirm.cleared()]
        action = named_action(tracker) or _asking(tracker)
        if action is not None:
            # the look-up only: it lists, or asks before changing anything
            return await action.run(dispatcher, tracker, domain)
        if latest_intent(tracker) == "correct" and answered_policy_last(tracker):
            # "and if it's only 2 days?" right after a policy answer corrects nothing the bot did:
            # it narrows the question just answered, and is read with it
            return [*await ActionAnswerPolicy().run(dispatcher, tracker, domain), *confirm.cleared()]
        if len(last_offers(tracker)) > 1:
            dispatcher.utter_message(response="utter_pick_one_offered")
        elif latest_intent(tracker) == "correct":
            dispatcher.utter_message(response="utter_nothing_to_correct")
        else:
            dispatcher.utter_message(response="utter_nothing_to_confirm")
        return confirm.cleared()


class ActionStop(Action):
    """A stop with no form or question open: an undo of what was just done goes to its flow (which
    asks first); otherwise nothing was going on, and what was done stays done."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        recent = confirm.just_done(tracker)
        if recent is not None and undoes(typed_text(tracker)):
            action = ActionWithdrawCourse() if recent[0] == "enrolment" else ActionCancelLeave()
            return await action.run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_stopped_kept" if recent is not None else "utter_stopped")
        return confirm.cleared()
