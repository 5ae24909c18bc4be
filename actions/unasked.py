"""A stop that stops nothing: no form is open and no question waits.

Right after something was done (an enrolment, a submitted leave request), "算了，还是退掉吧" or
"ugh actually cancel that one" undoes it: the NLU often reads the change of mind ("算了",
"actually", "cancel that") as a stop, and a stop used to answer "Nothing was submitted" while the
record stayed. Now the withdraw or cancel flow asks first, naming the record just made. A plain
"never mind" then is told that what was done stays done, not that "nothing was submitted".

Which words ask to undo is language, not an HR rule; what may be cancelled or withdrawn stays the
backend's to decide.
"""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirm
from actions.common import typed_text
from actions.leave_requests import ActionCancelLeave
from actions.training import ActionWithdrawCourse

# words that undo an enrolment only ("unenrol", "take me off", "退课"), and words that undo either
# kind of record ("cancel", "withdraw", "drop", "取消", "撤": a leave request is withdrawn too)
_UNENROL = re.compile(r"\b(?:un-?enrol+\w*|unregister\w*|deregister\w*)\b|take me off|pull me out|退", re.I)
_UNDO = re.compile(
    r"\b(?:cancel\w*|withdraw\w*|drop\w*|revoke|retract|undo|scrap|delete|remove)\b|撤|取消|删|不要了", re.I
)


def undoes(text: str) -> bool:
    """Whether the message asks to undo something ("cancel that one", "退掉吧", "drop me")."""
    return bool(_UNENROL.search(text or "") or _UNDO.search(text or ""))


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
