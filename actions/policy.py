"""Policy questions: answered from the curated knowledge base with citations, or handed off to HR.

Messages that look out of scope come here too: HR curates what the documents cover (a bicycle
parking permit, the canteen's hours), so the documents are asked first, and only when they do not
answer is the message declined as outside what the assistant does.

The knowledge base grades the answer (answer / hedged / refused, thresholds calibrated on held-out
tuning questions, see knowledge/); this action only renders it in the user's language (a hedged
answer shows the closest passage with a plain caveat and an "Ask HR" button) and keeps the
two-stage fallback: the first question the documents cannot answer asks the user to rephrase
(with an "Ask HR" button), the second in a row offers the hand-off outright.

A short message right after a policy answer ("and on a Saturday?", "what about sick leave?", "病假
呢") is a follow-up: alone it names no topic, so it is looked up together with the question before
it (the leave type swapped when both name one). The user's own words stay what logs and insights
keep; only the retrieval query is combined.

A message that switches the type of a leave request whose dates the backend just refused ("年假不够
吗？那改成事假吧", "ok make it personal leave then") is read as a question or a request for HR often
enough: these actions stay silent and the leave form takes it (actions.leave_types).

HR's contact details are written in one place, the organisation's documents (the demo's
"Contacting HR" page): asked how to reach HR, the assistant quotes them (and opens no case); a case
it opens, or a record change only HR makes, also says how to reach HR directly.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import hrbot_metadata, identity, language, latest_intent, personnel_client
from actions.leave_types import form_resumes, leave_form_takes
from actions.settings import get_settings
from personnel.client import PersonnelError, PersonnelUnavailable
from personnel.sensitive import event_pairs, mask_text

if TYPE_CHECKING:
    from knowledge.models import Answer

TRANSCRIPT_TURNS = 30
log = logging.getLogger(__name__)

#: a message this short (words, or two Chinese characters counting as one word) right after a policy
#: answer is read as a follow-up to it; a longer one carries its own topic
FOLLOWUP_MAX_WORDS = 6
#: a longer one up to this size that points back at the answer ("and if I don't use them, do they
#: carry over?", "那如果领导不批，那些没休的怎么办") is looked up with its context too, which it keeps
#: only when the documents answer it strictly better that way; without such a word ("is there a gym
#: subsidy for staff?") it is a question of its own
FOLLOWUP_LONGER_WORDS = 14
_POINTS_BACK = re.compile(
    r"(?<![A-Za-z])(?:it|its|them|they|those|these|that|this|then)(?![A-Za-z])"
    r"|^\s*(?:and|but|so|what if|what about|how about)(?![A-Za-z])"
    r"|^\s*(?:那|如果|要是|可是|但是)|那些|这些|它|这个|那个",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: how good an answer is, to choose between the follow-up looked up alone and with its context
_GRADE_RANK = {"refused": 0, "hedged": 1, "answer": 2}

#: (grade, source in the other language) -> the response that shows the answer
RESPONSES = {
    ("answer", False): "utter_policy_answer",
    ("answer", True): "utter_policy_answer_other_language",
    ("hedged", False): "utter_policy_hedged",
    ("hedged", True): "utter_policy_hedged_other_language",
}


def _citations(sources: list[Any]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    citations = []
    for source in sources:
        key = (source.source, source.section)
        if key in seen:
            continue
        seen.add(key)
        citations.append({"title": source.title, "section": source.section, "source": source.source})
    return citations


async def _audience(tracker: Tracker) -> list[str]:
    """HR admins may also see documents meant for HR staff; everyone else sees the general ones."""
    who = identity(tracker)
    if who is None:
        return ["all"]
    try:
        async with personnel_client(who) as client:
            me = await client.me()
    except (PersonnelError, PersonnelUnavailable):
        return ["all"]
    return ["all", "hr"] if getattr(me, "is_hr_admin", False) else ["all"]


def _record_answer(tracker: Tracker, question: str, lang: str, answer: Any, outcome: str) -> str | None:
    """Keep the answer for insights (masked; README, Insights); its id lets the user vote on it.

    Runs in a worker thread; a failure is logged and the user still gets the answer."""
    from insights.records import channel_of, record_answer
    from knowledge.api import default_kb

    try:
        kb = default_kb()
        versions = {s.source: (kb.store.document_hash(s.source) or "")[:12] for s in answer.sources}
        who = identity(tracker)
        record = record_answer(
            question=question,
            lang=lang,
            sender_id=tracker.sender_id,
            employee_id=who.employee_id if who else None,
            channel=channel_of(tracker.sender_id, hrbot_metadata(tracker).get("channel")),
            answer=answer,
            outcome=outcome,
            index_version=f"index {kb.store.generation()}",
            versions=versions,
            # the plain-answer threshold of the rule that graded it (knowledge/answering.py): an
            # answer just above it, or hedged below it, is a knowledge-gap candidate
            min_confidence=answer.features.get("plain_at"),
        )
        return record.id
    except Exception:
        log.warning("insights: could not record the policy answer", exc_info=True)
        return None


def _record_handoff(tracker: Tracker, who: Any, lang: str, case_id: int) -> None:
    from insights.records import channel_of, record_handoff

    try:
        record_handoff(
            sender_id=tracker.sender_id,
            employee_id=who.employee_id if who else None,
            channel=channel_of(tracker.sender_id, hrbot_metadata(tracker).get("channel")),
            lang=lang,
            case_id=case_id,
        )
    except Exception:
        log.warning("insights: could not record the hand-off", exc_info=True)


def _warm_up_knowledge() -> None:
    if get_settings().hrbot_warm_knowledge:
        from knowledge.api import default_kb, warm_up_in_background

        warm_up_in_background(default_kb())


def _action_in_worker() -> ActionAnswerPolicy:
    """The action as the serving process receives it (see ActionAnswerPolicy.__reduce__)."""
    if not logging.getLogger().handlers:  # rasa-sdk configures logging in its main process only
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    _warm_up_knowledge()
    return ActionAnswerPolicy()


def message_size(text: str) -> float:
    """Roughly how many words a message has, in either language (two Chinese characters ~ a word)."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) / 2


def answered_policy_last(tracker: Tracker) -> bool:
    """Was the turn before this message answered from the documents (no other turn in between)?

    By this action, or by one that handed the message on to it (a question of its own after a
    balance answer, actions.leave): the last action of that turn set the policy topic."""
    seen_latest = topic_set = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                return False  # a user turn with no action after it: nothing answered it
            seen_latest = True
        elif not seen_latest:
            continue
        elif kind == "slot" and event.get("name") == "policy_topic":
            topic_set = True
        elif kind == "action" and event.get("name") != "action_listen":
            return topic_set or event.get("name") == "action_answer_policy"
    return False


def _leave_type_mention(message: dict[str, Any]) -> str | None:
    """The words that name a leave type in a message (as the NLU found them), if any."""
    text = message.get("text") or ""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "leave_type" and entity.get("start") is not None:
            mention = text[entity["start"] : entity["end"]]
            if mention:
                return mention
    return None


def followup_query(tracker: Tracker) -> str | None:
    """The retrieval query for a short follow-up to the previous policy question, or None.

    "what about sick leave?" after "how long is marriage leave?" asks "how long is sick leave?";
    "难产的话呢" after "产假有多少天" asks both together."""
    topic = tracker.get_slot("policy_topic")
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    if not isinstance(topic, dict) or not topic.get("query") or not text or text.startswith("/"):
        return None
    size = message_size(text)
    if size > FOLLOWUP_LONGER_WORDS or not answered_policy_last(tracker):
        return None
    if size > FOLLOWUP_MAX_WORDS and not _POINTS_BACK.search(text):
        return None
    previous, previous_mention = topic["query"], topic.get("mention")
    mention = _leave_type_mention(message)
    if mention and previous_mention and previous_mention in previous:
        return previous.replace(previous_mention, mention)
    return f"{previous} {text}"


class ActionAnswerPolicy(Action):
    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # rasa-sdk registers the actions in its main process and hands them, pickled, to the Sanic
        # worker process that serves the requests: load the knowledge base there, where answers are
        # computed (loading it when registering put a second, unused copy in the main process).
        return (_action_in_worker, ())

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if await leave_form_takes(tracker):
            # "年假不够吗？那改成事假吧" after a refusal: the leave form switches the type
            return form_resumes(tracker)
        events = await self._answer(dispatcher, tracker)
        if tracker.get_slot("leave_awaiting_confirmation") and tracker.active_loop_name != "leave_form":
            # a question asked at a leave preview: the request is not dropped, and the user is told
            dispatcher.utter_message(response="utter_leave_still_waiting")
        return events

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        from knowledge.api import default_kb

        question = (tracker.latest_message or {}).get("text") or ""
        lang = language(tracker)
        loop = asyncio.get_running_loop()

        def audience(_restricted: set[str]) -> list[str]:
            # Called from the worker thread, and only when a restricted passage (HR staff only)
            # could be in the answer: most questions need no call to the backend.
            return asyncio.run_coroutine_threadsafe(_audience(tracker), loop).result(timeout=30)

        query = followup_query(tracker)
        answer = await asyncio.to_thread(default_kb().answer, query or question, lang, audience)
        mention = _leave_type_mention(tracker.latest_message or {})
        if query is not None:
            # a follow-up that names its own topic after all ("is FMLA leave paid?") may be better
            # answered alone: keep whichever the knowledge base grades higher; on a tie the context,
            # unless the follow-up names a leave type the previous question did not (a new topic)
            alone = await asyncio.to_thread(default_kb().answer, question, lang, audience)
            new_topic = mention is not None and mention not in query.replace(question.strip(), "")
            # a longer message carries more of its own topic: on a tie it stands alone
            longer = message_size(question) > FOLLOWUP_MAX_WORDS
            alone_rank = _GRADE_RANK.get(alone.grade, 0) + (0.5 if new_topic or longer else 0)
            # a source in the user's language found with the context is not traded for one in the
            # other language (graded on lower cross-language thresholds) unless the topic is new
            keeps_language = answer.grade != "refused" and alone.other_language and not answer.other_language
            if alone_rank > _GRADE_RANK.get(answer.grade, 0) and not (keeps_language and not new_topic):
                query, answer = None, alone
        if query is not None and mention is None:
            mention = (tracker.get_slot("policy_topic") or {}).get("mention")
        topic = SlotSet("policy_topic", {"query": query or question, "mention": mention})
        # a message the NLU reads as off-topic gets a passage only when the documents plainly
        # answer it (the canteen's hours), not the closest passage with a caveat; unless it is a
        # follow-up that the previous question's context answers ("几点到，去哪报到" after the
        # first-day documents): short and elliptic, it is what the NLU most often reads so
        off_topic = latest_intent(tracker) == "out_of_scope" and query is None
        if answer.grade == "answer" or (answer.grade == "hedged" and not off_topic):
            # "where does it say that?" next is answered with these documents and sections
            topic = SlotSet("policy_topic", {**topic["value"], "sources": _citations(_quoted(answer))})
            # the knowledge base grades; the response says so in the user's language, and that
            # the quoted source is in the other language when it is
            response = RESPONSES[(answer.grade, answer.other_language)]
            answer_id = await asyncio.to_thread(_record_answer, tracker, question, lang, answer, "answered")
            custom: dict[str, Any] = {"citations": _citations(answer.sources)}
            if answer_id:  # the channel shows helpful / not helpful buttons for this answer
                custom["feedback"] = {"answer_id": answer_id}
            dispatcher.utter_message(response=response, answer=answer.answer, json_message=custom)
            return [SlotSet("policy_misses", 0), topic]
        if off_topic:
            # not an HR question after all (a joke, the weather): say what the assistant is for
            await asyncio.to_thread(_record_answer, tracker, question, lang, answer, "out_of_scope")
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("policy_topic", None)]
        await asyncio.to_thread(_record_answer, tracker, question, lang, answer, "refused")
        misses = (tracker.get_slot("policy_misses") or 0) + 1
        response = "utter_policy_unknown" if misses < 2 else "utter_policy_offer_handoff"
        dispatcher.utter_message(response=response)
        return [SlotSet("policy_misses", misses), topic]


def _quoted(answer: Any) -> list[Any]:
    """The sources whose passages the answer quotes (the knowledge base marks them; the others were
    only retrieved beside them); the first source when none is marked."""
    return [s for s in answer.sources if s.quoted] or list(answer.sources[:1])


def _answered_sources(tracker: Tracker) -> list[dict[str, str]]:
    """The documents and sections of the last policy answer, while it is still what the user is
    talking about (the topic is forgotten after an off-topic message)."""
    topic = tracker.get_slot("policy_topic")
    if not isinstance(topic, dict):
        return []
    return [s for s in topic.get("sources") or [] if isinstance(s, dict) and s.get("title")]


class ActionPolicySource(Action):
    """ "Where does it say that?" / "这个在哪里写着": the document and section the last policy answer
    was quoted from. Asked before any answer, the user is told to ask the question first."""

    def name(self) -> str:
        return "action_policy_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        sources = _answered_sources(tracker)
        if not sources:
            dispatcher.utter_message(response="utter_policy_source_unknown")
            return []
        lines = "\n".join(
            f"• {s['title']}" + (f" – {s['section']}" if s.get("section") else "") for s in sources[:3]
        )
        dispatcher.utter_message(
            response="utter_policy_source", sources=lines, json_message={"citations": sources}
        )
        return []


def transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> str:
    """The recent conversation as plain text, for the HR colleague who takes over."""
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append(f"User: {event['text']}")
        elif event.get("event") == "bot" and event.get("text"):
            # a salary or ID the employee was shown stays masked in the case HR reads
            lines.append(f"Bot: {mask_text(event['text'], event_pairs(event))}")
    return "\n".join(lines[-turns:])


class ActionHandoffToHR(Action):
    def name(self) -> str:
        return "action_handoff_to_hr"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if await leave_form_takes(tracker):
            # "ok make it personal leave then" after a refusal: the leave form's, no case
            return form_resumes(tracker)
        who = identity(tracker)
        lang = language(tracker)
        text = transcript(tracker)
        # a "yes" to the offer is not the question: the subject is what the user asked before it
        questions = [
            e.get("text")
            for e in tracker.events
            if e.get("event") == "user"
            and e.get("text")
            and ((e.get("parse_data") or {}).get("intent") or {}).get("name") != "affirm"
        ]
        asked = next((q for q in reversed(questions) if not q.startswith("/")), "")
        subject = (asked or "Question from the HR assistant")[:120]
        # The same conversation and question never opens two cases, even if the user clicks twice.
        key = hashlib.sha256(f"{tracker.sender_id}|{asked}".encode()).hexdigest()[:32]
        try:
            async with personnel_client(who) as client:
                case = await client.create_case(
                    subject=subject, transcript=text, language=lang, idempotency_key=f"handoff-{key}"
                )
        except (PersonnelError, PersonnelUnavailable):
            dispatcher.utter_message(response="utter_handoff_failed")
            await tell_hr_contacts(dispatcher, lang, "utter_hr_contact")
            return []
        await asyncio.to_thread(_record_handoff, tracker, who, lang, case.id)
        if who:
            dispatcher.utter_message(response="utter_handoff_created", case_id=case.id)
            await tell_hr_contacts(dispatcher, lang, "utter_hr_contact_also")
        else:  # HR cannot reply in the chat: the user writes to them, quoting the case
            dispatcher.utter_message(response="utter_handoff_created_anonymous", case_id=case.id)
            await tell_hr_contacts(dispatcher, lang, "utter_hr_contact")
        return [SlotSet("policy_misses", 0)]


def hr_contacts(lang: str) -> Answer | None:
    """HR's contact details as the organisation's documents state them, or None when they do not
    plainly say. The documents are the one place they are written (the demo's "Contacting HR"
    page, knowledge/demo/*/): the knowledge base is asked the configured question
    (HRBOT_HR_CONTACT_QUESTION) with the documents every employee may see. Blocking: run it in a
    worker thread."""
    from knowledge.api import default_kb

    questions = get_settings().hrbot_hr_contact_question
    question = questions.get(lang) or questions.get("en") or next(iter(questions.values()), "")
    if not question:
        return None
    try:
        answer = default_kb().answer(question, lang, ["all"])
    except Exception:  # a broken knowledge base: the reply goes out without the contacts
        log.warning("knowledge: could not look up HR's contact details", exc_info=True)
        return None
    return answer if answer.grade == "answer" else None


async def tell_hr_contacts(dispatcher: CollectingDispatcher, lang: str, response: str) -> bool:
    """Utter ``response`` with HR's contact details (and their source), if the documents have them."""
    found = await asyncio.to_thread(hr_contacts, lang)
    if found is None:
        return False
    dispatcher.utter_message(
        response=response, contacts=found.answer, json_message={"citations": _citations(found.sources)}
    )
    return True


class ActionHRContact(Action):
    """How to reach HR oneself ("how do I reach HR?", "人事的电话是多少"): the contact details from the
    documents. No case is opened: that is for when the user asks for one (action_handoff_to_hr)."""

    def name(self) -> str:
        return "action_hr_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not await tell_hr_contacts(dispatcher, language(tracker), "utter_hr_contact"):
            dispatcher.utter_message(response="utter_hr_contact_unknown")
        return []


class ActionRecordChangeByHR(Action):
    """A change to one's personal data is HR's to make: say so, how to reach HR (from the documents),
    and offer to pass the request on (a yes opens the case, data/records/rules.yml)."""

    def name(self) -> str:
        return "action_record_change_by_hr"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        found = await asyncio.to_thread(hr_contacts, language(tracker))
        if found is None:
            dispatcher.utter_message(response="utter_record_change_by_hr")
        else:
            dispatcher.utter_message(
                response="utter_record_change_by_hr_contacts",
                contacts=found.answer,
                json_message={"citations": _citations(found.sources)},
            )
        return []
