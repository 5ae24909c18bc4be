"""Multi-turn conversation sets (tests/conversations/*.yaml) played against the real stack.

Six sets, each written by a helper session that never saw the training data, the domain or the
actions (tests/conversations/PROVENANCE*.md): `blind2.yaml` is the TEST set, read by tag and
failure kind only, so it measures what a new user meets; `tuning.yaml`, `tuning2.yaml` (stop 25's
blind set, retired to tuning once blind2 was written), `tuning3.yaml` (written blind in stop 27
as tuning material, mostly everyday English), `tuning4.yaml` (stop 28: English, Chinese and mixed
messages, long stories around a request) and `tuning5.yaml` (stop 29: typos, abbreviations, policy
follow-ups, managers deciding several requests at once) are read in full and tuned on. Each
set is played in file order on a freshly seeded stack of its own (some conversations rely on an
earlier one, e.g. the one-seat course; the shared stack's other tests change the demo data the
expectations state). Expectations are what a user would notice: what the backend holds afterwards,
facts in the replies, the reply language, and whether the bot said it did not understand. The
per-conversation table goes to tests/artifacts/<set>_conversations.json; the test asserts every
turn got a reply and a pass-rate floor a little under the measured rate.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import demo_stack
from tests.stack import Stack, texts

pytestmark = pytest.mark.stack

HERE = Path(__file__).resolve().parents[1]
CORE_DOMAIN = HERE.parent / "bot" / "domain" / "core.yml"

#: pass-rate floor per set, a little under the measured rate (README "Whole conversations").
#: blind2 (test): 17 of 40 (0.425) on 2026-12-07, main before any change; 25 of 40 after stop 26's
#: fixes; 28 of 40 (0.7; en 11/18, zh 15/18, mixed 2/4) after stop 27's; 30 of 40 (0.75; en 12/18,
#: zh 16/18, mixed 2/4) after stop 28's. tuning: 27 → 36 → 37 of 40. tuning2 (stop 25's blind set,
#: retired to tuning): 20 → 38 of 42. tuning3 (written blind in stop 27, English-heavy, tuned on):
#: 11 → 26 of 30 (0.87). tuning4 (written blind in stop 28, 12 en / 10 zh / 8 mixed, tuned on):
#: 15 → 29 of 30 (0.97). tuning5 (written blind in stop 29: typos, abbreviations, policy follow-ups,
#: managers deciding several at once; tuned on): 11 → 27 of 30 (0.9); blind2 stayed at 30 of 40.
PASS_RATE_FLOORS = {
    "blind2": 0.65,
    "tuning": 0.8,
    "tuning2": 0.8,
    "tuning3": 0.8,
    "tuning4": 0.85,
    "tuning5": 0.85,
}

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_LONG = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def fallback_texts() -> list[str]:
    """The bot's "I didn't understand" reply in each language, read from the domain (one source)."""
    core = yaml.safe_load(CORE_DOMAIN.read_text(encoding="utf-8"))
    return [variant["text"] for variant in core["responses"]["utter_default"]]


def reply_language(text: str) -> str:
    """zh when Chinese characters carry the reply, else en (a name or course title in the other
    script does not flip it)."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk / (cjk + latin) >= 0.3 else "en"


def mentions_number(text: str, number: float) -> bool:
    """``7`` matches 7 or 7.0 as a number on its own (not inside 17 or 2026)."""
    whole = float(number).is_integer()
    body = rf"{int(number)}(?:\.0+)?" if whole else re.escape(f"{number:g}")
    return re.search(rf"(?<![\d.]){body}(?![\d]|\.\d)", text) is not None


def date_forms(day: date) -> list[str]:
    """The usual ways a reply writes a date, in both languages."""
    d, m = day.day, day.month
    short, long_ = MONTHS[m - 1], MONTHS_LONG[m - 1]
    return [
        day.isoformat(),
        f"{m:02d}-{d:02d}",
        f"{d} {short}",
        f"{d:02d} {short}",
        f"{short} {d}",
        f"{d} {long_}",
        f"{long_} {d}",
        f"{m}月{d}日",
        f"{m}月{d}号",
        f"{m}/{d}",
        f"{d}/{m}",
        f"{m:02d}/{d:02d}",
    ]


def mentions_date(text: str, day: date) -> bool:
    for form in date_forms(day):
        # not inside a longer word or number; a Chinese date may follow its year directly (2026年12月2日)
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![\d])", text, flags=re.IGNORECASE):
            return True
    return False


@dataclass
class Outcome:
    """What one conversation did and which expectations failed."""

    conversation_id: str
    lang: str
    tags: list[str]
    employee: str
    replies: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    @property
    def ended_on_question(self) -> bool:
        """The bot's last reply asks something: the user stopped before the bot's flow was done."""
        last = self.replies[-1].rstrip() if self.replies else ""
        return last.endswith(("?", "？"))

    @property
    def replied_every_turn(self) -> bool:
        return self.error is None and all(self.replies)

    def fail(self, check: str, turn: int | None, detail: str) -> None:
        self.failures.append({"check": check, "turn": turn, "detail": detail})


def check_turn(outcome: Outcome, turn: int, reply: str, expect: dict[str, Any], fallbacks: list[str]) -> None:
    if not reply:
        outcome.fail("no_reply", turn, "no text in the reply")
        return
    wanted = expect.get("reply_language")
    if wanted and reply_language(reply) != wanted:
        outcome.fail("reply_language", turn, f"expected {wanted}")
    if expect.get("not_fallback") and any(text in reply for text in fallbacks):
        outcome.fail("fallback", turn, "the bot said it did not understand")
    for number in expect.get("numbers", []):
        if not mentions_number(reply, float(number)):
            outcome.fail("number", turn, f"{number} not in the reply")
    for day in expect.get("dates", []):
        if not mentions_date(reply, day if isinstance(day, date) else date.fromisoformat(str(day))):
            outcome.fail("date", turn, f"{day} not in the reply")
    options = expect.get("contains_any", [])
    if options and not any(option.lower() in reply.lower() for option in options):
        outcome.fail("contains", turn, f"none of {options} in the reply")


def snapshot(stack: Stack, employee: str) -> dict[str, Any]:
    return {
        "leave": {a["id"]: a for a in stack.backend_get("/leave/applications", employee)},
        "enrolments": {e["id"]: e for e in stack.backend_get("/training/enrolments", employee)},
    }


def as_iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def check_effect(stack: Stack, outcome: Outcome, effect: dict[str, Any], before: dict[str, Any]) -> None:
    after = snapshot(stack, outcome.employee)
    new_leave = [a for k, a in after["leave"].items() if k not in before["leave"]]
    new_enrolments = [e for k, e in after["enrolments"].items() if k not in before["enrolments"]]
    if effect.get("no_new_leave") and new_leave:
        outcome.fail("effect", None, f"unexpected leave created: {_leave_brief(new_leave)}")
    if effect.get("no_new_enrolment") and new_enrolments:
        outcome.fail("effect", None, f"unexpected enrolment: {[e['course_code'] for e in new_enrolments]}")
    if "leave_created" in effect:
        wanted = sorted(
            (str(w["type"]), as_iso(w["from"]), as_iso(w["to"]), w.get("half_day"))
            for w in effect["leave_created"]
        )
        got = sorted((a["leave_type"], a["from_date"], a["to_date"], a.get("half_day")) for a in new_leave)
        got_cmp = [g if any(w[3] for w in wanted) else (*g[:3], None) for g in got]
        if got_cmp != wanted:
            outcome.fail("effect", None, f"leave created {got or 'none'}, expected {wanted}")
    for rule in effect.get("leave_status", []):
        rows = stack.backend_get("/leave/applications", rule["employee"])
        match = [a for a in rows if a["from_date"] == as_iso(rule["from"])]
        status = match[0]["status"] if match else "missing"
        if status != rule["status"]:
            outcome.fail("effect", None, f"request of {rule['employee']} from {rule['from']}: {status}")
    for rule in effect.get("enrolment", []):
        rows = [e for e in after["enrolments"].values() if e["course_code"] == rule["course"]]
        statuses = sorted({e["status"] for e in rows}) or ["none"]
        if rule["status"] not in statuses:
            outcome.fail("effect", None, f"{rule['course']}: {statuses}, expected {rule['status']}")


def _leave_brief(rows: list[dict]) -> list[tuple]:
    return [(a["leave_type"], a["from_date"], a["to_date"], a["status"]) for a in rows]


def play(stack: Stack, conversation: dict[str, Any], fallbacks: list[str]) -> Outcome:
    employee = conversation["employee"]
    outcome = Outcome(conversation["id"], conversation["lang"], list(conversation.get("tags", [])), employee)
    sender = f"web:{employee}:{uuid.uuid4()}"
    try:
        before = snapshot(stack, employee)
        for turn, step in enumerate(conversation["turns"], start=1):
            reply = texts(stack.say(sender, step["text"], employee=employee))
            outcome.replies.append(reply)
            check_turn(outcome, turn, reply, step.get("expect") or {}, fallbacks)
        check_effect(stack, outcome, conversation.get("effect") or {}, before)
    except Exception as exc:  # a crash is a result of this conversation, not of the run
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    def rate(group: list[Outcome]) -> dict[str, Any]:
        passed = sum(o.passed for o in group)
        return {
            "passed": passed,
            "total": len(group),
            "rate": round(passed / len(group), 3) if group else None,
        }

    by_lang = {
        lang: rate([o for o in outcomes if o.lang == lang]) for lang in sorted({o.lang for o in outcomes})
    }
    tags = sorted({t for o in outcomes for t in o.tags})
    by_tag = {tag: rate([o for o in outcomes if tag in o.tags]) for tag in tags}
    checks: dict[str, int] = {}
    for o in outcomes:
        for kind in {f["check"] for f in o.failures} | ({"crash"} if o.error else set()):
            checks[kind] = checks.get(kind, 0) + 1
    unfinished = [o.conversation_id for o in outcomes if not o.passed and o.ended_on_question]
    return {
        "overall": rate(outcomes),
        "by_lang": by_lang,
        "by_tag": by_tag,
        "failed_by_check": checks,
        "failed_while_the_bot_was_still_asking": unfinished,
    }


@pytest.mark.parametrize("name", sorted(PASS_RATE_FLOORS))
def test_conversation_set(name: str, tmp_path_factory: pytest.TempPathFactory, rasa_model: Path) -> None:
    path = HERE / "conversations" / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"no conversation set {path}")
    conversations = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    with demo_stack(tmp_path_factory.mktemp(f"{name}-stack")) as stack:
        outcomes, seconds = play_all(stack, conversations)
    summary = summarise(outcomes)
    artifact = HERE / "artifacts" / f"{name}_conversations.json"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "summary": summary,
                "conversations": [
                    {
                        "id": o.conversation_id,
                        "lang": o.lang,
                        "tags": o.tags,
                        "passed": o.passed,
                        "failures": o.failures,
                        "ended_on_question": o.ended_on_question,
                        "error": o.error,
                        "replies": o.replies,
                    }
                    for o in outcomes
                ],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    silent = [o.conversation_id for o in outcomes if not o.replied_every_turn]
    assert not silent, f"conversations with a turn that got no reply (or crashed): {silent}"
    assert summary["overall"]["rate"] >= PASS_RATE_FLOORS[name], summary


def play_all(stack: Stack, conversations: list[dict[str, Any]]) -> tuple[list[Outcome], float]:
    """Every conversation in file order, and the seconds it took."""
    fallbacks = fallback_texts()
    started = time.monotonic()
    outcomes = [play(stack, conversation, fallbacks) for conversation in conversations]
    return outcomes, round(time.monotonic() - started, 1)
