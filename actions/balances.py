"""Leave balances in conversation: the signed-in employee's (or, for a manager, a report's), for
this year or the year the user names, and the short follow-ups to a balance answer.

A balance answer is followed by short questions that only make sense with it: "and sick?", "what
about next year", "那明年呢", "and mine?". Such a message names a leave type, a year or the user
themself, and nothing else: it asks for that balance, and what it does not name is kept from the
balance just shown ("wats my AL bal" → "what about next year": next year's annual leave). Any other
word makes it a question of its own ("is sick leave paid?"), answered from the documents.

Whose balance may be seen is the backend's rule: it lists the people the user may see (themself; a
manager also their reports) and refuses anyone else's. A message about someone else ("tao zheng's
leave balance", "李娜还有几天年假") is answered for that person when the backend lists them, and
otherwise told that the assistant shows only the user's own; never with the user's own figures as
if they were the other person's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import BackendAction, latest_intent, name_of, num, today
from actions.leave_types import (
    form_resumes,
    leave_form_takes,
    leave_types_of,
    match_leave_type,
    short_type_word,
    type_words,
)
from actions.policy import ActionAnswerPolicy, answered_policy_last
from actions.whose import someone_else_named, visible_person_named
from hrbot.identity import Identity
from personnel.client import EmployeeOut, LeaveBalanceOut, LeaveTypeOut, PersonnelClient

#: what the last balance answer showed ({"leave_type": code or None, "year": int}): a follow-up
#: keeps what it does not name
SHOWN_SLOT = "leave_balance_shown"

#: words that only tie a bare follow-up to the balance just shown ("and sick days?", "what about my
#: personal leave", "how about next yr"); any other word makes it a question of its own
_FOLLOWUP_WORDS_EN = frozenset(
    {"and", "what", "whats", "wat", "s", "about", "abt", "bout", "how", "then", "my", "the", "for"}
    | {"also", "too", "same", "so", "ok", "okay", "of", "day", "days", "leave", "left", "remaining"}
    | {"many", "much", "do", "i", "have", "is", "there", "any", "in", "bal", "balance", "balances"}
    | {"will", "would", "get", "be", "it", "like", "look", "looks", "allowance", "available", "mine"}
    | {"own", "me", "show", "pls", "please", "can", "you", "check", "tell", "got", "ve", "d", "ll"}
    | {"fine", "alright", "right", "sure", "well", "oh", "hmm", "just", "at", "least"}
    | {"n", "nd", "an", "wbu", "hbu", "now", "after", "that"}  # txt-speak ("n SL", "and now?")
)
#: the same in Chinese ("那事假呢", "病假还剩几天", "我的病假呢", "那明年呢"); "病假扣钱吗" keeps 扣钱
_FOLLOWUP_WORDS_ZH = re.compile(
    r"那么|还有|还剩|剩下|多少|几天|余额|额度|假期|自己|好吧|好的|行吧|可以|一共|总共|那|呢|的|我|还|剩|有|吗|么|啊|呀|和|也|天|会|能|嗯|哦|休|请"
)
_NOT_A_WORD = re.compile(r"[^\w\u3400-\u9fff]+")

#: word edges for English words, also where they touch Chinese ("那next year呢": \b sees none)
_A, _Z = r"(?<![A-Za-z])", r"(?![A-Za-z])"
#: a year named in words or digits, and how far from this year it is
_YEAR_WORDS = (
    (re.compile(rf"{_A}(?:next|nxt|coming|following)\s+(?:year|yr){_Z}|明年|下一年|来年", re.I), 1),
    (re.compile(rf"{_A}(?:last|previous)\s+(?:year|yr){_Z}|去年|上一年", re.I), -1),
    (re.compile(rf"{_A}(?:this|current)\s+(?:year|yr){_Z}|今年|本年|这一年", re.I), 0),
    (re.compile(r"后年"), 2),
)
_YEAR_DIGITS = re.compile(r"(?<!\d)(20\d\d)(?:\s*年)?(?!\d)")
#: the user pointing at themself ("and mine?", "那我自己的呢"): their own balance again
_SELF = re.compile(rf"{_A}(?:mine|my own){_Z}|我自己|我的", re.I)


@dataclass(frozen=True)
class Followup:
    """What a bare follow-up to a balance answer names (None: not named, kept from the answer)."""

    leave_type: str | None = None
    year: int | None = None
    own: bool = False


def year_named(text: str) -> int | None:
    """The year the message names ("next year", "明年", "2027"), or None."""
    for pattern, offset in _YEAR_WORDS:
        if pattern.search(text or ""):
            return today().year + offset
    match = _YEAR_DIGITS.search(text or "")
    return int(match.group(1)) if match else None


def _without_years(text: str) -> str:
    for pattern, _ in _YEAR_WORDS:
        text = pattern.sub(" ", text)
    return _YEAR_DIGITS.sub(" ", text)


def _types_in(text: str, types: list[LeaveTypeOut]) -> tuple[set[str], str]:
    """The leave types the text names by a word of theirs ("sick", "annual", "年假"; the longest
    first), and the text without them."""
    found: set[str] = set()
    for word in sorted(set(type_words(types)), key=len, reverse=True):
        pattern = re.escape(word.lower())
        if word.isascii():
            pattern = rf"{_A}{pattern}{_Z}"
        if re.search(pattern, text):
            code = match_leave_type(word, types)
            if code:
                found.add(code)
            text = re.sub(pattern, " ", text)
    # a type's initials ("AL", "SL") and an everyday word for one ("pto", "vacation")
    for m in reversed(list(re.finditer(rf"{_A}[a-z]+{_Z}", text))):
        if code := short_type_word(m.group(0), types):
            found.add(code)
            text = text[: m.start()] + " " + text[m.end() :]
    return found, text


def _like_balance(word: str) -> bool:
    """ "balance" typed with a typo ("balence", "balnce", "ballance")."""
    return len(word) >= 5 and word[0] == "b" and SequenceMatcher(None, word, "balance").ratio() >= 0.8


def balance_followup(text: str, entities: list[dict[str, Any]], types: list[LeaveTypeOut]) -> Followup | None:
    """The leave type, year or self a bare follow-up to a balance answer names ("and sick?", "what
    about next year", "那明年呢", "and mine?"), or None when it asks something of its own (for the
    documents) or names none of them."""
    if not text or text.startswith("/"):
        return None
    named = [
        e
        for e in entities
        if e.get("entity") == "leave_type" and e.get("value") and e.get("start") is not None
    ]
    rest = text
    for e in sorted(named, key=lambda e: -e["start"]):
        rest = rest[: e["start"]] + " " + rest[e["end"] :]
    codes = {c for e in named if (c := match_leave_type(str(e["value"]), types) or str(e["value"]))}
    rest = rest.lower()
    year = year_named(rest)
    rest = _without_years(rest)
    own = _SELF.search(rest) is not None
    more, rest = _types_in(rest, types)
    codes |= more
    rest = _NOT_A_WORD.sub(" ", _FOLLOWUP_WORDS_ZH.sub(" ", rest))
    if any(w not in _FOLLOWUP_WORDS_EN and not _like_balance(w) for w in rest.split()) or len(codes) > 1:
        return None
    if not codes and year is None and not own:
        return None
    return Followup(next(iter(codes), None), year, own)


def _after_balance_answer(tracker: Tracker) -> bool:
    """Whether the bot's last action before the latest message was a balance answer."""
    seen_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                return False
            seen_latest = True
        elif seen_latest and kind == "action" and event.get("name") != "action_listen":
            return event.get("name") == ActionLeaveBalance.NAME
    return False


def balance_followup_type(tracker: Tracker) -> str | None:
    """The leave type a bare follow-up names, as the NLU found it (no backend at hand)."""
    message = tracker.latest_message or {}
    if answered_policy_last(tracker):
        return None
    found = balance_followup(message.get("text") or "", message.get("entities") or [], [])
    return found.leave_type if found else None


def balance_lines(balances: list[LeaveBalanceOut], lang: str) -> str:
    if lang == "zh":
        lines = [
            f"• {name_of(b, 'name', 'zh')}：剩余 {num(b.balance)} 天（额度 {num(b.allocated)}，"
            f"已休 {num(b.taken)}，待审批 {num(b.pending)}）"
            for b in balances
        ]
    else:
        lines = [
            f"• {name_of(b, 'name', 'en')}: {num(b.balance)} days left (allocated "
            f"{num(b.allocated)}, taken {num(b.taken)}, pending {num(b.pending)})"
            for b in balances
        ]
    return "\n".join(lines)


class ActionLeaveBalance(BackendAction):
    """Balances per leave type, with pending days (optionally only the type and year the user
    named, or a report's for a manager).

    Also the follow-up to a balance answer (data/leave/rules.yml): a bare "and sick days?", "what
    about next year" or "and mine?" shows that balance; any other question after it is answered
    from the documents. "年假不够吗？那改成事假吧" after a refusal switches the request's type: the
    leave form takes it, this stays silent."""

    NAME = "action_leave_balance"

    def name(self) -> str:
        return self.NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if await leave_form_takes(tracker):
            # a switch of type after a refusal, or the type named at "Which type?"
            return form_resumes(tracker)
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
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        types = await leave_types_of(pc)
        wanted: str | None
        if latest_intent(tracker) == "check_leave_balance":
            wanted = next(tracker.get_latest_entity_values("leave_type"), None)
            wanted = match_leave_type(str(wanted), types) or wanted if wanted else None
            if wanted is None and not text.startswith("/"):
                found, _ = _types_in(text.lower(), types)
                wanted = found.pop() if len(found) == 1 else None
            year = year_named(text) or today().year
        else:
            followup = (
                None
                if answered_policy_last(tracker)
                else balance_followup(text, message.get("entities") or [], types)
            )
            if followup is None and not _after_balance_answer(tracker) and latest_intent(tracker) == "inform":
                # a bare detail that answers no question and names no balance ("morning", "12/24"):
                # not understood, as before the rule that sends it here (data/leave/rules.yml)
                dispatcher.utter_message(response="utter_default")
                return []
            if followup is None:
                return await ActionAnswerPolicy().run(dispatcher, tracker, domain)
            shown = tracker.get_slot(SHOWN_SLOT) or {}
            if followup.own:
                wanted, year = followup.leave_type, followup.year or today().year
            else:
                wanted = followup.leave_type or (shown.get("leave_type") if followup.year else None)
                year = followup.year or as_year(shown.get("year")) or today().year
        whose: EmployeeOut | None = None
        if not text.startswith("/"):
            whose = await visible_person_named(pc, who, text)
            if whose is None and someone_else_named(text) and not _SELF.search(text):
                dispatcher.utter_message(response="utter_leave_balance_only_own")
                return self._done(tracker)
        balances = await pc.leave_balances(employee_id=whose.id if whose else None, year=year)
        # nothing allotted for that year (yet): zeros would read like a used-up allowance; a type
        # at 0 while others have an allowance is a real 0
        allotted = any(b.allocated or b.taken or b.pending for b in balances)
        if wanted and any(b.leave_type == wanted for b in balances):
            balances = [b for b in balances if b.leave_type == wanted]
        elif wanted and (kind := next((t for t in types if t.code == wanted), None)):
            # a type the backend keeps no yearly balance of (personal, marriage leave...): say so
            # rather than list the others
            name = name_of(kind, "name", lang)
            if kind.max_days_per_application:
                dispatcher.utter_message(
                    response="utter_leave_no_allowance_limit",
                    name=name,
                    max_days=num(kind.max_days_per_application),
                )
            else:
                dispatcher.utter_message(response="utter_leave_no_allowance", name=name)
            return self._done(tracker)
        if not balances:
            dispatcher.utter_message(response="utter_leave_balance_none")
        elif not allotted:
            dispatcher.utter_message(response="utter_leave_balance_year_none", year=year)
        elif whose is not None:
            dispatcher.utter_message(
                response="utter_leave_balance_of",
                name=name_of(whose, "name", lang),
                year=year,
                lines=balance_lines(balances, lang),
            )
        else:
            dispatcher.utter_message(
                response="utter_leave_balance", year=year, lines=balance_lines(balances, lang)
            )
        if tracker.get_slot("leave_awaiting_confirmation") and tracker.active_loop_name != "leave_form":
            dispatcher.utter_message(response="utter_leave_still_waiting")  # nothing is dropped
        shown_now = {"leave_type": wanted if len(balances) == 1 else None, "year": year}
        return [*self._done(tracker), SlotSet(SHOWN_SLOT, shown_now)]

    @staticmethod
    def _done(tracker: Tracker) -> list[EventType]:
        # A type named for the balance must not pre-fill a later application, unless one is underway
        # (in the form, or previewed and waiting for a yes: its type is what will be submitted).
        underway = tracker.active_loop_name == "leave_form" or tracker.get_slot("leave_awaiting_confirmation")
        return [] if underway else [SlotSet("leave_type", None)]


def as_year(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
