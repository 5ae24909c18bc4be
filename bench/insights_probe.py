"""Run inside the Rasa environment by bench/insights_bench.py: the time Rasa's tracker store takes
to save one chat turn, with and without the insights event broker (the event path's added cost).

Prints one JSON object. Uses the real store and broker classes on SQLite in a temporary folder.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


async def _turns(store, conversations: int, turns: int) -> list[float]:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    times: list[float] = []
    for c in range(conversations):
        tracker = await store.create_tracker(f"web:bench-{c}")
        for t in range(turns):
            meta = {"hrbot": {"identity": "x" * 180, "lang": "en", "channel": "web"}}
            parse = {"intent": {"name": "ask_policy", "confidence": 0.93}, "entities": [], "text": "q"}
            for event in (
                UserUttered(
                    f"how many days of annual leave do I get, question {t}?",
                    parse["intent"],
                    parse_data=parse,
                    metadata=meta,
                ),
                SlotSet("language", "en"),
                ActionExecuted("action_answer_policy"),
                BotUttered(
                    "Annual leave: 5 days after 1 year, 10 after 10 years." * 3,
                    {
                        "custom": {
                            "citations": [{"title": "Leave", "section": "Annual", "source": "leave.md"}]
                        }
                    },
                    {"utter_action": "utter_policy_answer"},
                ),
                SlotSet("policy_misses", 0),
                ActionExecuted("action_listen"),
            ):
                tracker.update(event)
            started = time.perf_counter()
            await store.save(tracker)
            times.append((time.perf_counter() - started) * 1000)
    return times


async def main(conversations: int, turns: int) -> dict:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.rasa_runtime.event_broker import LeanSQLEventBroker
    from bot.rasa_runtime.tracker_store import LeanSQLTrackerStore

    out: dict = {"conversations": conversations, "turns_per_conversation": turns, "events_per_turn": 6}
    with tempfile.TemporaryDirectory() as tmp:
        domain = Domain.empty()
        for name, store_class, broker in (
            ("without_broker", LeanSQLTrackerStore, None),
            (
                "with_broker",
                LeanSQLTrackerStore,
                LeanSQLEventBroker(dialect="sqlite", db=f"{tmp}/insights.db"),
            ),
            # for comparison: Rasa's own store and SQL broker (one commit per event, and the whole
            # conversation loaded again on every save to find the new events)
            ("rasa_stock_without_broker", SQLTrackerStore, None),
            (
                "rasa_stock_with_broker",
                SQLTrackerStore,
                SQLEventBroker(dialect="sqlite", db=f"{tmp}/stock.db"),
            ),
        ):
            store = store_class(
                domain, dialect="sqlite", db=str(Path(tmp) / f"tracker-{name}.db"), event_broker=broker
            )
            times = await _turns(store, conversations, turns)
            out[name] = {
                "p50_ms": round(statistics.median(times), 3),
                "mean_ms": round(statistics.fmean(times), 3),
                "p95_ms": round(sorted(times)[int(len(times) * 0.95) - 1], 3),
            }
    out["added_ms_per_turn_p50"] = round(out["with_broker"]["p50_ms"] - out["without_broker"]["p50_ms"], 3)
    out["added_ms_per_turn_mean"] = round(out["with_broker"]["mean_ms"] - out["without_broker"]["mean_ms"], 3)
    out["rasa_stock_added_ms_per_turn_mean"] = round(
        out["rasa_stock_with_broker"]["mean_ms"] - out["rasa_stock_without_broker"]["mean_ms"], 3
    )
    return out


if __name__ == "__main__":
    conversations, turns = (int(a) for a in sys.argv[1:3])
    print(json.dumps(asyncio.run(main(conversations, turns))))
