"""Notices in conversation: "stop these reminders" / "不再提醒", and turning them back on.

Which kind "these" are, and whether it may be turned off, is the backend's rule
(``POST /notifications/stop-latest``): the action asks it as the verified employee and says what
was turned off, in the employee's language.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import BackendAction
from connectors.notify.catalogue import kind_name
from hrbot.identity import Identity
from personnel.client import PersonnelClient


class ActionStopNotifications(BackendAction):
    """Turn off the kind of the latest notice the signed-in employee received."""

    def name(self) -> str:
        return "action_stop_notifications"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        pref = await pc.stop_latest_notices()
        dispatcher.utter_message(response="utter_notices_stopped", kind_name=kind_name(pref.kind, lang))
        return []


class ActionResumeNotifications(BackendAction):
    """Turn back on every kind of notice the signed-in employee turned off."""

    def name(self) -> str:
        return "action_resume_notifications"

    async def act(
        self,
        pc: PersonnelClient,
        who: Identity,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        lang: str,
    ) -> list[EventType]:
        kinds = await pc.resume_notices()
        if not kinds:
            dispatcher.utter_message(response="utter_notices_none_off")
            return []
        sep = "、" if lang == "zh" else ", "
        dispatcher.utter_message(
            response="utter_notices_resumed", kind_names=sep.join(kind_name(p.kind, lang) for p in kinds)
        )
        return []
