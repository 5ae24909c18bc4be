"""Whose record a message asks about: the user's own, or another person's.

People ask for a colleague's record in the same words as for their own ("show me tao zheng's leave
balance", "李娜的年假还有几天", "what's emily's salary"). An action that only reads the user's own
record must not answer such a message with the user's figures as if they were the other person's.
Which people the user may see is the backend's rule: it lists them (the user; a manager also their
reports; HR everyone). This module only reads the words: a person the backend lists, named in the
message, or a possessive before a record ("X's leave balance", "李娜的工资") that names someone else.
"""

from __future__ import annotations

import logging
import re
import time

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import name_of, typed_text
from hrbot.identity import Identity
from personnel.client import EmployeeOut, PersonnelClient

#: word edges for English words, also where they touch Chinese (\b sees none there)
_A, _Z = r"(?<![A-Za-z])", r"(?![A-Za-z])"

#: English words that end in "'s" without owning anything ("what's", "it's", "today's", "my AL's
#: balance"): the contractions of is/has, time words and the user's own leave; any other "X's"
#: belongs to someone
_NOT_AN_OWNER = frozenset(
    {"what", "wat", "that", "it", "where", "here", "there", "who", "how", "let", "he", "she", "one"}
    | {"today", "tomorrow", "yesterday", "year", "yr", "month", "week", "day", "this", "next", "last"}
    | {"everything", "nothing", "something", "name", "mine", "when", "why", "which", "ok", "now"}
    | {"leave", "al", "pto", "annual", "sick", "vacation", "holiday", "balance", "company", "agency"}
)
_POSSESSIVE = re.compile(rf"{_A}([A-Za-z][A-Za-z-]*)\s*['’]s{_Z}")
#: what follows someone's name when a record of theirs is asked for: "X's leave balance", "X's
#: annual days", "X's salary" ("my kid's school" owns no record)
_RECORD_AFTER = re.compile(
    r"\s*(?:leave|balance|bal|days?|annual|sick|vacation|holiday|pto|al|allowance|entitlement|record|records"
    r"|time\s+off|remaining|profile|contract|salary|pay|address|national|id|training|hours|courses?"
    rf"|job|history|department|dept|details|info|information|file|grade|position|email){_Z}",
    re.I,
)
#: what follows a Chinese name when a record of theirs is asked for ("李娜的年假", "王伟还有几天",
#: "梁燕剩多少", "王伟工资多少")
_ZH_RECORD_AFTER = re.compile(r"[的还有剩今明这年病事假余休多几工薪合档培学入部职]")


def _names(person: EmployeeOut) -> list[str]:
    """How a person may be written: full names either way round ("emily carter", "carter emily"),
    the Chinese name, and the given name as an owner ("emily's": alone it may be an ordinary word)."""
    en = person.name_en.lower().split()
    out = [" ".join(en), " ".join(reversed(en)), person.name_zh]
    return [n for n in out if n] + ([f"{en[0]}'s", f"{en[0]}’s"] if en and len(en[0]) > 1 else [])


def person_named(text: str, people: list[EmployeeOut]) -> EmployeeOut | None:
    """The one person of ``people`` the message names (either language, either order)."""
    lowered = f" {(text or '').lower()} "
    hits = []
    for person in people:
        for name in _names(person):
            at = lowered.find(name.lower())
            if at < 0:
                continue
            before, after = lowered[at - 1], lowered[at + len(name)]
            if name.isascii() and (before.isalnum() or after.isalnum()):
                continue
            hits.append(person)
            break
    return hits[0] if len({p.id for p in hits}) == 1 else None


def someone_else_named(text: str) -> bool:
    """Whether the message asks about another person's record: "X's" before a record word for
    someone other than the user ("tao zheng's leave balance"), or a person's name in Chinese before
    their record ("李娜的年假", "王伟还有几天": jieba's part of speech for person names)."""
    for match in _POSSESSIVE.finditer(text or ""):
        owner = match.group(1).lower()
        if owner not in _NOT_AN_OWNER and _RECORD_AFTER.match(text[match.end() :]):
            return True
    if re.search(r"[\u4e00-\u9fff]", text or ""):
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        at = 0
        for word, flag in jieba.posseg.cut(text):
            at += len(word)
            if flag == "nr" and word not in ("我", "我们") and _ZH_RECORD_AFTER.match(text[at : at + 1]):
                return True
    return False


#: how long the list of people a user may see is reused: every balance and record request reads
#: it, and for HR it is the whole organisation. A new report is recognised by name at most this late
#: (until then a possessive still refuses: see `someone_else_named`); access is still the backend's.
VISIBLE_TTL_S = 60.0
_VISIBLE_MAX = 512
_visible: dict[tuple[str, str], tuple[float, list[EmployeeOut]]] = {}


async def visible_people(pc: PersonnelClient, who: Identity) -> list[EmployeeOut]:
    """The people other than the user whom the backend lets them see (cached per user briefly)."""
    now = time.monotonic()
    key = (pc.base_url, who.employee_id)
    hit = _visible.get(key)
    if hit is not None and now - hit[0] < VISIBLE_TTL_S:
        return hit[1]
    others = [p for p in await pc.list_employees() if p.id != who.employee_id]
    if len(_visible) >= _VISIBLE_MAX:
        _visible.clear()
    _visible[key] = (now, others)
    return others


async def visible_person_named(pc: PersonnelClient, who: Identity, text: str) -> EmployeeOut | None:
    """Someone other than the user whom the backend lets them see, named in the message."""
    return person_named(text, await visible_people(pc, who))


async def answered_for_someone_else(
    pc: PersonnelClient, who: Identity, tracker: Tracker, dispatcher: CollectingDispatcher, lang: str
) -> bool:
    """For an action that shows only the user's own record: when the message asks for another
    person's, say so (the user's own is not shown in its place) and return True."""
    text = typed_text(tracker)
    if not text:
        return False
    if (person := await visible_person_named(pc, who, text)) is not None:
        dispatcher.utter_message(response="utter_record_of_team_member", name=name_of(person, "name", lang))
        return True
    if someone_else_named(text):
        dispatcher.utter_message(response="utter_record_only_own")
        return True
    return False
