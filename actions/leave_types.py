"""Which leave type the user means, in the backend's names and in what the user actually types.

The backend owns the leave types and their names (code, English, Chinese); this module only reads
the user's words against them:

- a name, whole or without "leave"/假 ("sick", "事假");
- a Chinese name typed with a same-sound character, as pinyin input produces: 年价 or 年驾 for 年假,
  病价 for 病假, 事家 for 事假. One character after the first may differ, if it sounds like the
  name's (pypinyin, tones ignored, any of a character's readings); the match must not cut through a
  dictionary word (jieba without its guesser), so "今年家里" is no 年假 and "价格" no 假;
- after the backend refused a request's dates, a message that names another type ("那改成事假吧",
  "ok make it unpaid leave then", "use sick leave instead") switches the request to it with the same
  dates, whatever the NLU made of the message (it is often read as a question about the refusal).
"""

from __future__ import annotations

import logging
import re
import time
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction

from actions.common import BackendErrors, identity, personnel_client, today, typed_text
from actions.dates import DateError, parse_leave_dates
from personnel.client import LeaveTypeOut, PersonnelClient

#: the slot that keeps the dates the backend refused, and for which type, so that a switch of type
#: can try them again: {"leave_type": code, "dates": the user's words}
REFUSED_SLOT = "leave_refused"

_CJK = re.compile(r"[\u3400-\u9fff]")

#: how long the backend's leave types are reused: they are the same for every user and change only
#: when HR imports an organisation, yet a leave request read them several times per message (each
#: slot it checks) and a balance question once, a round trip each. A type added by an import is
#: recognised at most this late; the backend still checks every request against its own types.
TYPES_TTL_S = 60.0
_types: dict[str, tuple[float, list[LeaveTypeOut]]] = {}


async def leave_types_of(pc: PersonnelClient) -> list[LeaveTypeOut]:
    """The backend's leave types (cached per backend briefly, see `TYPES_TTL_S`)."""
    now = time.monotonic()
    hit = _types.get(pc.base_url)
    if hit is not None and now - hit[0] < TYPES_TTL_S:
        return hit[1]
    types = await pc.leave_types()
    _types[pc.base_url] = (now, types)
    return types


def type_words(types: list[LeaveTypeOut]) -> list[str]:
    """Every way a type is named (code, names, names without "leave"/假): an answer to "which type?".
    A one-character stem (病 of 病假) is left out: it is part of too many reasons ("看病", "生病了")."""
    words: list[str] = []
    for t in types:
        en = t.name_en.split(" (")[0]
        stem = t.name_zh.removesuffix("假")
        words += [t.code, en, en.lower().removesuffix(" leave"), t.name_zh, stem if len(stem) > 1 else ""]
    return [w for w in words if w]


def match_leave_type(value: str, types: list[LeaveTypeOut]) -> str | None:
    """The backend code for what the user typed or the NLU extracted (code, English or Chinese name,
    or a Chinese name typed with a same-sound character)."""
    text = (value or "").strip().lower()
    if not text:
        return None
    for t in types:
        if text in (t.code.lower(), t.name_en.lower(), t.name_zh):
            return t.code
    for t in types:
        en = t.name_en.lower().replace(" leave", "")
        zh = t.name_zh.removesuffix("假") if len(t.name_zh) > 2 else t.name_zh
        if t.code.lower() in text or en in text or (zh and zh in text) or t.name_zh in text:
            return t.code
    found = {code for code, _ in sound_alike_mentions(text, types)}
    return found.pop() if len(found) == 1 else None


#: a word for leave after a type's own word ("annual lv", "sik leave", "sick days", "annual time off"),
#: also typed or voice-typed wrong ("sick leaf", "annual leev", "personal leav")
_LEAVE_WORD = re.compile(
    r"^\s*(?:lea[a-z]{0,2}|le{1,2}v[a-z]?|lve|lv|days?|time(?: off)?|holiday|off)\b", re.I
)
_LATIN_WORD = re.compile(r"[a-z]+", re.I)
#: how alike a typed word must be to a type's word (difflib's ratio: "anual"/"annual" 0.91,
#: "persnal"/"personal" 0.93; "anal"/"annual" 0.8 is not one)
FUZZY_CUTOFF = 0.82


def _type_vocabulary(types: list[LeaveTypeOut]) -> tuple[dict[str, str], dict[str, str]]:
    """Each type's own English words ("annual", "personal", "unpaid") and its initials where no
    other type shares them ("AL" for Annual leave, "SL"; not "ML": marriage or maternity)."""
    words: dict[str, str] = {}
    initials: dict[str, set[str]] = {}
    for t in types:
        name = t.name_en.lower()
        for word in _LATIN_WORD.findall(name):
            if word != "leave":
                words.setdefault(word, t.code)
        head = _LATIN_WORD.findall(name.split(" (")[0])
        if len(head) > 1:
            initials.setdefault("".join(w[0] for w in head), set()).add(t.code)
    return words, {k: codes.pop() for k, codes in initials.items() if len(codes) == 1}


def _word_type(word: str, vocabulary: dict[str, str]) -> str | None:
    """The type a typed word stands for: one of its words, that word with an ending ("sickness"),
    or a typo of it (same first letter, alike by ``FUZZY_CUTOFF``; the best must be one type)."""
    word = word.lower()
    if word in vocabulary:
        return vocabulary[word]
    if len(word) < 3:
        return None
    for known, code in vocabulary.items():
        if len(known) >= 4 and word.startswith(known):
            return code
    scored = sorted(
        (
            (SequenceMatcher(None, word, known).ratio(), code)
            for known, code in vocabulary.items()
            if known[0] == word[0]
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < FUZZY_CUTOFF:
        return None
    if len(scored) > 1 and scored[1][1] != scored[0][1] and scored[0][0] - scored[1][0] < 0.05:
        return None  # "maternaty" is as near "paternity": no guess
    return scored[0][1]


#: everyday English words that are themselves the name of a leave, by the backend name's word they
#: stand for: "vacation" (and "vaccation", "vacations") is annual leave, "PTO" (paid time off) too
EVERYDAY_WORDS = {"vacation": "annual", "vacay": "annual", "pto": "annual"}
#: how alike a typed word must be to an everyday word ("vaccation" 0.94; "valuation" 0.82 is not one)
EVERYDAY_CUTOFF = 0.86
#: a type's word said on its own, as a clause of its own ("sik. today + tmrw", "annual, Dec 3-4")
_CLAUSE_BEFORE = re.compile(r"(?:^|[.,;:!?，。；：！？]\s*|\s-\s*)$")
_CLAUSE_AFTER = re.compile(r"^\s*(?:[.,;:!，。；：！]|\s-|$)")


def _alike(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _everyday_type(word: str, vocabulary: dict[str, str]) -> str | None:
    """The type an everyday word for a leave names ("vacation", "vaccation", "pto"), if it is one."""
    word = word.lower()
    for everyday, own_word in EVERYDAY_WORDS.items():
        code = vocabulary.get(own_word)
        if code is None:
            continue
        if word == everyday or (
            len(everyday) >= 5
            and len(word) >= 5
            and word[0] == everyday[0]
            and (word.startswith(everyday) or _alike(word, everyday) >= EVERYDAY_CUTOFF)
        ):
            return code
    return None


def short_type_word(word: str, types: list[LeaveTypeOut]) -> str | None:
    """The type one word names by its initials ("AL", "sl") or as an everyday word for it ("pto",
    "vacation"), or None."""
    words, initials = _type_vocabulary(types)
    return initials.get(word.lower()) or _everyday_type(word, words)


def loose_leave_type(text: str, types: list[LeaveTypeOut], *, alone: bool) -> str | None:
    """The one type English words name loosely: a type's word typed with a typo or shortened
    ("anual", "persnal", "annual lv"), its initials ("AL"), or an everyday word that is a leave's
    name ("vaccation"). ``alone``: at "Which type of leave?", the word alone is enough ("just take
    it out of my annual i guess"); in a request it must come with a word for leave ("need annual
    lv ...", "sik days") or be a clause of its own ("sik. today + tmrw pls"), since "my kid is sick"
    is a reason."""
    words, initials = _type_vocabulary(types)
    found: set[str] = set()
    text = text or ""
    for m in _LATIN_WORD.finditer(text):
        word = m.group(0)
        if word.lower() in initials and (alone or word.isupper()):
            found.add(initials[word.lower()])
            continue
        if everyday := _everyday_type(word, words):
            found.add(everyday)
            continue
        code = _word_type(word, words)
        if code and (
            alone
            or _LEAVE_WORD.match(text[m.end() :])
            or (_CLAUSE_BEFORE.search(text[: m.start()]) and _CLAUSE_AFTER.match(text[m.end() :]))
        ):
            found.add(code)
    return found.pop() if len(found) == 1 else None


#: the user says they are ill ("im sick today", "I'm feeling unwell", "我今天生病了"): sick leave
_SELF_SICK = re.compile(
    r"\b(?:i'?m|i am|feeling|feel|felt|been|got|off|out|call(?:ed|ing)? in)\s+"
    r"(?:really |so |a bit |too |very )?"
    r"(?:sick|ill|unwell|poorly)\b(?! of\b)"
    r"|我.{0,4}(?:生病|病了|发烧|感冒|不舒服)",
    re.I,
)


def sick_self(text: str, types: list[LeaveTypeOut]) -> str | None:
    """The sick leave type when the user says they are ill themselves; "my kid is sick" is a reason."""
    if not _SELF_SICK.search(text or ""):
        return None
    return _type_vocabulary(types)[0].get("sick")


def type_answer(text: str, types: list[LeaveTypeOut]) -> str | None:
    """The type an answer to "Which type of leave?" names, in any wording: a name (or its stem,
    a same-sound spelling, a typo, initials) or "I'm sick"."""
    return (
        named_leave_type(text, types)
        or match_leave_type(text, types)
        or loose_leave_type(text, types, alone=True)
        or sick_self(text, types)
    )


def named_leave_type(text: str, types: list[LeaveTypeOut]) -> str | None:
    """The type whose full name the text contains ("sick leave", "年假", or 年价 for 年假); the
    longest name wins ("陪产假" over "产假"), and none when the text names no type or two different
    ones."""
    found, _ = _names_in(text, types)
    return found.pop() if len(found) == 1 else None


def _names_in(text: str, types: list[LeaveTypeOut]) -> tuple[set[str], str]:
    """The codes of the full names in the text (then of their same-sound spellings in what is
    left), and the text without them."""
    lowered = text.lower()
    names = sorted(
        ((name, t.code) for t in types for name in (t.name_en.lower().split(" (")[0], t.name_zh) if name),
        key=lambda item: len(item[0]),
        reverse=True,
    )
    found: set[str] = set()
    for name, code in names:
        if name in lowered:
            found.add(code)
            lowered = lowered.replace(name, " ")
    for code, mention in sound_alike_mentions(lowered, types):
        found.add(code)
        lowered = lowered.replace(mention, " ")
    return found, lowered


@lru_cache(maxsize=4096)
def _readings(char: str) -> frozenset[str]:
    """How a Chinese character may be read, without tones (假: jia, xia, ...)."""
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0] or [char])


def _word_edges(text: str) -> set[int]:
    """Where the dictionary words of the text begin and end (jieba without its guesser of unknown
    words, so that a typo stays single characters and only real words hold together)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    edges = {0, len(text)}
    for _, start, end in jieba.tokenize(text, HMM=False):
        edges.update((start, end))
    return edges


def _sounds_like(window: str, name: str) -> bool:
    """The name typed with one character that sounds the same (年价 / 年假), not the name itself.
    The first character is the name's own: it is what tells the types apart, and 假 after a
    same-sound first character is ordinary speech ("这是假的" is no 事假)."""
    if len(window) != len(name) or len(name) < 2 or window[0] != name[0]:
        return False
    differ = [(a, b) for a, b in zip(window, name, strict=True) if a != b]
    if len(differ) != 1 or not _CJK.match(differ[0][0]):
        return False
    return bool(_readings(differ[0][0]) & _readings(differ[0][1]))


def sound_alike_mentions(text: str, types: list[LeaveTypeOut]) -> list[tuple[str, str]]:
    """(code, the words as typed) for each Chinese type name typed with a same-sound character;
    longer names first ("陪产价" is 陪产假, not 产假)."""
    if not _CJK.search(text or ""):
        return []
    names = sorted(((t.name_zh, t.code) for t in types if t.name_zh), key=lambda n: len(n[0]), reverse=True)
    edges = _word_edges(text)
    taken: list[range] = []
    found: list[tuple[str, str]] = []
    for name, code in names:
        for start in range(len(text) - len(name) + 1):
            end = start + len(name)
            if start not in edges or end not in edges or any(start < r.stop and r.start < end for r in taken):
                continue
            window = text[start:end]
            if _sounds_like(window, name):
                found.append((code, window))
                taken.append(range(start, end))
    return found


def with_names_spelled(text: str, types: list[LeaveTypeOut]) -> str:
    """The text with each same-sound spelling of a type name written as the name ("我想请年价" →
    "我想请年假"), so that what reads the request knows it for one."""
    names = {t.code: t.name_zh for t in types}
    for code, words in sound_alike_mentions(text, types):
        text = text.replace(words, names[code])
    return text


def _entity_types(
    tracker: Tracker, types: list[LeaveTypeOut], span: tuple[int, int] | None = None
) -> set[str]:
    """The types the NLU found in the latest message (or in ``span`` of it), as backend codes."""
    found = set()
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") != "leave_type" or not entity.get("value"):
            continue
        start = entity.get("start")
        if span is not None and (start is None or not span[0] <= start < span[1]):
            continue
        if code := match_leave_type(str(entity["value"]), types):
            found.add(code)
    return found


_CLAUSE = re.compile(r"[^,，。.!！?？;；]+[,，。.!！?？;；]*")
#: words that ask for the other type ("改成事假", "make it personal leave then", "use sick leave
#: instead", "那就请事假"), even in a question ("can I use sick leave instead?")
_SWITCH_WORDS = re.compile(
    r"改成|换成|改为|改用|改请|换|用|就请|那就|还是"
    r"|\b(?:instead|make it|switch|change (?:it )?to|use|go with|then|rather|put (?:it|me))\b",
    re.I,
)
_QUESTION = re.compile(r"(?:[?？]|[吗么呢嘛])\s*$")


def _asks_for(clause: str) -> bool:
    """A clause naming the other type asks for it unless it is a question about it ("is sick leave
    paid?", "病假扣钱吗": answered as questions, the request keeps its type)."""
    return bool(_SWITCH_WORDS.search(clause)) or not _QUESTION.search(clause.strip(" ,，。.!！;；"))


def names_a_date(text: str) -> bool:
    """Whether the message gives dates of its own (then they, not the refused ones, are meant)."""
    try:
        parse_leave_dates(text, today().date())
    except DateError as err:
        return err.reason != "unparsed"
    return True


def refused_request(tracker: Tracker) -> dict[str, Any] | None:
    """The dates the backend refused in the running leave form, and for which type, if any."""
    refused = tracker.get_slot(REFUSED_SLOT)
    if tracker.active_loop_name != "leave_form" or not isinstance(refused, dict):
        return None
    return refused if refused.get("dates") and refused.get("leave_type") else None


def switched_type(tracker: Tracker, types: list[LeaveTypeOut]) -> str | None:
    """The one other type the latest message asks for after the backend refused the request's
    dates, or None (no refusal, no type named, the refused type again, two types, or a question
    about the other type)."""
    refused = refused_request(tracker)
    text = typed_text(tracker)
    if refused is None or not text:
        return None
    named = _entity_types(tracker, types) | _names_in(text, types)[0]
    named.discard(refused["leave_type"])
    if len(named) != 1:
        return None
    code = named.pop()
    clauses = [
        m.group(0)
        for m in _CLAUSE.finditer(text)
        if code in _entity_types(tracker, types, m.span()) | _names_in(m.group(0), types)[0]
    ]
    return code if any(_asks_for(clause) for clause in clauses or [text]) else None


#: a message at "Which type of leave?" that asks something ("how many annual days do I have
#: left?", "年假还剩几天") is a question in between, answered before the form asks again
_ASKS = re.compile(
    r"^\W*(?:how|what|what's|whats|when|why|where|which|who|is|are|do|does|did|can|could|will|would|"
    r"should|am|have|has|any)\b|\b(?:left|remaining|balance|how many|how much)\b"
    r"|多少|几天|还剩|剩下|余额|怎么|什么|是否|能不能|可不可以|要不要|吗",
    re.I,
)


def answers_type_question(tracker: Tracker, types: list[LeaveTypeOut]) -> str | None:
    """The type a statement at "Which type of leave?" names, whatever the NLU made of it ("just
    take it out of my annual i guess" reads like a balance question), or None (another question
    of the form, a question, no type named)."""
    text = typed_text(tracker)
    if (
        tracker.active_loop_name != "leave_form"
        or tracker.get_slot("requested_slot") != "leave_type"
        or not text
        or _ASKS.search(text)
    ):
        return None
    return type_answer(text, types)


async def leave_form_takes(tracker: Tracker) -> bool:
    """Whether the leave form takes the latest message, so that the action the NLU chose for it
    (a balance or policy answer, a case for HR) stays silent: a switch of type after the backend
    refused the dates ("那改成事假吧" read as a question, "ok make it personal leave then" read as a
    request for HR), or a type named at "Which type of leave?"."""
    who = identity(tracker)
    asked_type = (
        tracker.active_loop_name == "leave_form" and tracker.get_slot("requested_slot") == "leave_type"
    )
    if who is None or (refused_request(tracker) is None and not asked_type):
        return False  # no backend call for the usual question
    try:
        async with personnel_client(who) as pc:
            types = await leave_types_of(pc)
    except BackendErrors:
        return False
    return switched_type(tracker, types) is not None or answers_type_question(tracker, types) is not None


def form_resumes(tracker: Tracker) -> list[EventType]:
    """What an action says when the leave form takes the message instead (``leave_form_takes``):
    the form asking "Which type of leave?" runs next on the type named, whichever rule chose the
    action ("年假呢？" right after a balance answer reads like its follow-up, and went unanswered)."""
    return [FollowupAction("leave_form")] if tracker.active_loop_name == "leave_form" else []
