"""Conversations driven against the real Rasa server(s), as the connectors drive them.

Messages go through the connectors' own `RasaClient` (so with several Rasa servers they are spread
exactly as the gateway spreads them) with a freshly signed identity assertion, to one conversation
per virtual user (the gateway keys conversations by employee, which would cap concurrency at the
number of demo employees; Rasa does not care where a sender id comes from). Every reply is checked:
an empty reply, an HTTP failure or a reply that is not the expected one counts as an error.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.rasa_client import BotMessage, RasaClient, RasaUnavailable
from hrbot.identity import sign_identity

Check = Callable[[list[BotMessage]], bool]


def _text(replies: list[BotMessage]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def _contains(*needles: str) -> Check:
    return lambda replies: any(n.lower() in _text(replies).lower() for n in needles)


def _cited(replies: list[BotMessage]) -> bool:
    return any(r.get("citations") for r in replies)


ERROR_TEXTS = ("not reachable right now", "could not do that", "暂时无法连接", "无法完成此操作")


@dataclass(frozen=True)
class Turn:
    text: str
    check: Check


@dataclass(frozen=True)
class Scenario:
    """A conversation script: its turns are sent in order, to a fresh conversation each time."""

    name: str
    turns: tuple[Turn, ...]
    employee: str = "E1001"


def scenarios(policy_questions: Sequence[str]) -> dict[str, list[Scenario]]:
    """The four kinds of turn the benchmark measures; each kind may rotate over several scripts."""
    floor = [Scenario("floor", (Turn("hello", _contains("HR assistant")),))]
    balance = [
        Scenario(
            "transaction",
            (Turn("how much annual leave do I have left", _contains("leave balances for", "days left")),),
        )
    ]
    policy = [Scenario("policy", (Turn(q, _cited),)) for q in policy_questions]
    # A whole application up to its confirmation; "no" at the end submits nothing, so repeated runs
    # never exhaust the balance or collide with an earlier request (tests/e2e/test_transactions.py
    # shows the same conversation submitted).
    leave = [
        Scenario(
            "leave_flow",
            (
                Turn("I want to apply for annual leave", _contains("which dates")),
                Turn("next Monday to Wednesday", _contains("reason")),
                Turn("family trip", _contains("Working days counted: 3")),
                Turn("no", _contains("didn't submit")),
            ),
        )
    ]
    return {"floor": floor, "transaction": balance, "policy": policy, "leave_flow": leave}


@dataclass
class Result:
    """Latencies (ms) of every turn, of every whole conversation, and what went wrong."""

    turn_ms: list[float] = field(default_factory=list)
    conversation_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def turns(self) -> int:
        return len(self.turn_ms)

    def merge(self, other: Result) -> None:
        self.turn_ms += other.turn_ms
        self.conversation_ms += other.conversation_ms
        self.errors += other.errors
        self.error_samples += other.error_samples[: max(0, 5 - len(self.error_samples))]


class Driver:
    """Sends scripted conversations; one instance per stack (it owns the HTTP connection pool)."""

    def __init__(self, rasa_urls: Sequence[str], identity_secret: str, timeout_s: float = 120.0) -> None:
        self.client = RasaClient(list(rasa_urls), timeout_s=timeout_s)
        self.identity_secret = identity_secret

    async def aclose(self) -> None:
        await self.client.aclose()

    async def conversation(self, scenario: Scenario, result: Result) -> int:
        """One run of a script in a new conversation; stops at the first failed turn.

        Returns the number of turns sent."""
        sender = f"web:{scenario.employee}:bench-{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        for sent, turn in enumerate(scenario.turns, start=1):
            identity = sign_identity(scenario.employee, "web", self.identity_secret, sender=sender)
            t0 = time.perf_counter()
            try:
                replies = await self.client.send(
                    sender, turn.text, identity=identity, lang=None, channel="web"
                )
                failure = _failure(turn, replies)
            except RasaUnavailable as exc:
                failure = f"rasa unavailable: {exc}"[:200]
            result.turn_ms.append((time.perf_counter() - t0) * 1000)
            if failure:
                result.errors += 1
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"{scenario.name} {turn.text!r}: {failure}")
                return sent
        result.conversation_ms.append((time.perf_counter() - started) * 1000)
        return len(scenario.turns)

    async def run(
        self,
        scripts: Sequence[Scenario],
        concurrency: int,
        conversations: int | None = None,
        duration_s: float | None = None,
        on_turns: Callable[[int], None] | None = None,
    ) -> Result:
        """`concurrency` virtual users run the scripts in rotation until `conversations` are done
        (or `duration_s` has passed); each user waits for a reply before sending the next message."""
        result = Result()
        todo = iter(range(conversations)) if conversations is not None else None
        deadline = time.perf_counter() + duration_s if duration_s is not None else None
        started = time.perf_counter()

        async def user(u: int) -> None:
            k = u
            while True:
                if todo is not None and next(todo, None) is None:
                    return
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                sent = await self.conversation(scripts[k % len(scripts)], result)
                k += concurrency
                if on_turns:
                    on_turns(sent)

        await asyncio.gather(*(user(u) for u in range(concurrency)))
        result.elapsed_s = time.perf_counter() - started
        return result


def _failure(turn: Turn, replies: list[BotMessage]) -> str | None:
    text = _text(replies)
    if not replies or not text.strip():
        return "empty reply"
    if any(e in text for e in ERROR_TEXTS):
        return f"error reply: {text[:160]!r}"
    if not turn.check(replies):
        return f"unexpected reply: {text[:160]!r}"
    return None


async def usable_policy_questions(driver: Driver, candidates: Sequence[str], want: int) -> list[str]:
    """The candidate questions the assistant answers with citations (so the turn measured really is
    a policy answer, not a misread intent or a refusal), at most `want` of them."""
    keep: list[str] = []
    for q in candidates:
        result = Result()
        await driver.conversation(Scenario("probe", (Turn(q, _cited),)), result)
        if not result.errors:
            keep.append(q)
        if len(keep) >= want:
            break
    return keep


def describe_errors(result: Result) -> list[str]:
    return [re.sub(r"\s+", " ", s) for s in result.error_samples]


def as_dict(result: Result) -> dict[str, Any]:
    from bench.knowledge_bench import percentile

    # The machine's 1-minute load average when the block ended: above ~2 on 2 cores, something else
    # competed for the CPU and the absolute times of that block are not comparable.
    out: dict[str, Any] = {
        "turns": result.turns,
        "errors": result.errors,
        "load_1m": round(os.getloadavg()[0], 2),
    }
    if result.turn_ms:
        out.update(
            p50_ms=round(percentile(result.turn_ms, 50), 1),
            p95_ms=round(percentile(result.turn_ms, 95), 1),
            p99_ms=round(percentile(result.turn_ms, 99), 1),
        )
    if result.conversation_ms and len(result.conversation_ms) != result.turns:
        out.update(
            conversations=len(result.conversation_ms),
            conversation_p50_ms=round(percentile(result.conversation_ms, 50), 1),
            conversation_p95_ms=round(percentile(result.conversation_ms, 95), 1),
            conversation_p99_ms=round(percentile(result.conversation_ms, 99), 1),
        )
    if result.elapsed_s:
        out["msgs_per_s"] = round(result.turns / result.elapsed_s, 1)
    return out
