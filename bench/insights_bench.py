"""`python -m bench.insights_bench [--quick]`: the cost of the insights event path per chat turn and
the insights query time over 1 million stored events. Writes bench/results/insights[-quick].{md,json}.

* Event path: Rasa's tracker store saving one policy turn (6 events) with and without the event
  broker, in the Rasa environment (bench/insights_probe.py), compared with the turn latency the main
  bench measured (bench/results/latest.json); and the policy action's own record of an answer.
* Import: broker events turned into reporting rows per second (off the chat path: the gateway
  imports every minute).
* Queries: the page's figures (``insights.report.summary``) over 1,000,000 stored messages spread
  over a year (conversations of 1 to 11 messages), with answers, votes, transactions and
  hand-offs in proportion, on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hrbot import paths

RESULTS = Path(__file__).resolve().parent / "results"


def event_path(quick: bool) -> dict[str, Any]:
    conversations, turns = (10, 30) if quick else (40, 50)
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT)}
    proc = subprocess.run(
        [
            str(paths.rasa_python()),
            str(Path(__file__).with_name("insights_probe.py")),
            str(conversations),
            str(turns),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths.ROOT,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _settings(tmp: Path, name: str) -> Any:
    from insights.settings import InsightsSettings

    return InsightsSettings(
        hrbot_insights_database_url=f"sqlite:///{tmp / name}", hrbot_identity_secret="bench", _env_file=None
    )


def record_cost(tmp: Path, n: int) -> dict[str, Any]:
    from insights.records import record_answer
    from knowledge.models import Answer, Source

    settings = _settings(tmp, "records.db")
    answer = Answer(
        answer="Ten days." * 20,
        confident=True,
        confidence=0.7,
        sources=[Source(source="leave.md", title="Leave", section="Annual leave")],
    )
    times = []
    for i in range(n):
        started = time.perf_counter()
        record_answer(
            question=f"how many days of annual leave after {i} years? mail me a{i}@x.org",
            lang="en",
            sender_id=f"web:E{i % 50}",
            employee_id=f"E{i % 50}",
            channel="web",
            answer=answer,
            outcome="answered",
            index_version="index 3",
            min_confidence=0.39,
            settings=settings,
        )
        times.append((time.perf_counter() - started) * 1000)
    return {
        "answers": n,
        "p50_ms": round(statistics.median(times), 3),
        "mean_ms": round(statistics.fmean(times), 3),
    }


def import_rate(tmp: Path, n_turns: int) -> dict[str, Any]:
    from insights import db
    from insights.importer import import_events

    settings = _settings(tmp, "import.db")
    now = time.time()
    rows = []
    for i in range(n_turns):
        sender = f"web:E{i % 200}"
        for j, event in enumerate(
            (
                {
                    "event": "user",
                    "text": "apply leave",
                    "parse_data": {"intent": {"name": "apply_leave"}, "entities": []},
                    "metadata": {"hrbot": {"channel": "web", "lang": "en"}},
                },
                {"event": "slot", "name": "language", "value": "en"},
                {"event": "action", "name": "leave_form"},
                {"event": "active_loop", "name": "leave_form" if i % 5 == 0 else None},
                {
                    "event": "bot",
                    "text": "ok",
                    "metadata": {"utter_action": "utter_leave_submitted" if i % 5 == 4 else "utter_ask"},
                },
                {"event": "action", "name": "action_listen"},
            )
        ):
            rows.append(
                {
                    "sender_id": sender,
                    "data": json.dumps({"sender_id": sender, "timestamp": now + i + j / 10, **event}),
                }
            )
    with db.engine(settings).begin() as conn:
        conn.execute(db.broker_events.insert(), rows)
    started = time.perf_counter()
    result = import_events(settings)
    seconds = time.perf_counter() - started
    return {
        "events": result.events,
        "seconds": round(seconds, 2),
        "events_per_s": round(result.events / seconds),
    }


def fill(settings: Any, messages: int, days: int = 365) -> tuple[float, int]:
    """Store ``messages`` messages over ``days`` days, as conversations of 1 to 11 messages (6 on
    average) by 5,000 people on two channels and in two languages, with answers, votes,
    transactions and hand-offs in proportion. Returns (seconds, conversation-days stored)."""
    from insights import db

    rng = random.Random(19)
    today = date.today()
    intents = [
        "ask_policy",
        "check_leave_balance",
        "apply_leave",
        "greet",
        "show_profile",
        "my_leave_requests",
        "search_courses",
        "affirm",
        "deny",
        "thank",
        "request_handoff",
        "cancel_leave",
    ]
    started = time.perf_counter()
    convs: list[dict[str, Any]] = []
    counted: dict[tuple, int] = {}
    total = 0
    while total < messages:
        n = min(rng.randint(1, 11), messages - total)
        day = today - timedelta(days=rng.randrange(days))
        channel = "web" if rng.random() < 0.7 else "telegram"
        lang = "en" if rng.random() < 0.5 else "zh"
        person = f"p{rng.randrange(5000)}"
        convs.append(
            {
                "day": day,
                "channel": channel,
                "lang": lang,
                "conversation": f"c{len(convs)}",
                "person": person,
                "messages": n,
            }
        )
        for _ in range(n):
            key = (day, channel, lang, rng.choice(intents))
            counted[key] = counted.get(key, 0) + 1
        total += n
    eng = db.engine(settings)
    with eng.begin() as conn:
        for start in range(0, len(convs), 50_000):
            conn.execute(db.conversation_days.insert(), convs[start : start + 50_000])
        conn.execute(
            db.intent_days.insert(),
            [
                {"day": k[0], "channel": k[1], "lang": k[2], "intent": k[3], "messages": v}
                for k, v in counted.items()
            ],
        )
        answers = []
        for i in range(messages // 10):
            day = today - timedelta(days=rng.randrange(days))
            answers.append(
                {
                    "id": f"{i:032x}",
                    "at": datetime(day.year, day.month, day.day, 9),
                    "day": day,
                    "channel": "web",
                    "lang": "en",
                    "person": f"p{rng.randrange(5000)}",
                    "conversation": f"c{rng.randrange(len(convs))}",
                    "question": "q",
                    "answer": "a",
                    "outcome": rng.choice(["answered"] * 7 + ["refused", "handed_off", "out_of_scope"]),
                    "confidence": 0.5,
                    "low_confidence": False,
                    "sources": [],
                    "index_version": "1",
                }
            )
        conn.execute(db.answers.insert(), answers)
        conn.execute(
            db.votes.insert(),
            [
                {
                    "answer_id": a["id"],
                    "voter": a["person"],
                    "at": a["at"],
                    "day": a["day"],
                    "helpful": rng.random() < 0.8,
                    "comment": None,
                }
                for a in answers[::5]
            ],
        )
        conn.execute(
            db.transactions.insert(),
            [
                {
                    "kind": rng.choice(["leave_apply", "leave_cancel", "course_enrol"]),
                    "at": a["at"],
                    "day": a["day"],
                    "channel": "web",
                    "lang": "en",
                    "person": a["person"],
                    "conversation": a["conversation"],
                    "status": rng.choice(["completed", "completed", "abandoned"]),
                    "ended_at": a["at"],
                    "last_at": a["at"],
                }
                for a in answers[::3]
            ],
        )
        conn.execute(
            db.handoffs.insert(),
            [
                {
                    "at": a["at"],
                    "day": a["day"],
                    "channel": "web",
                    "lang": "en",
                    "person": a["person"],
                    "conversation": a["conversation"],
                    "case_id": i,
                }
                for i, a in enumerate(answers[::20])
            ],
        )
    return time.perf_counter() - started, len(convs)


def query_times(tmp: Path, messages: int, repeat: int) -> dict[str, Any]:
    from insights.report import Filters, summary

    settings = _settings(tmp, "query.db")
    filled_s, conversation_days = fill(settings, messages)
    today = date.today()
    out: dict[str, Any] = {
        "messages": messages,
        "conversation_days": conversation_days,
        "answers": messages // 10,
        "fill_s": round(filled_s, 1),
    }
    for name, f in {
        "last_30_days": Filters.last_days(30, today),
        "last_365_days": Filters.last_days(365, today),
        "last_30_days_telegram_zh": Filters.last_days(30, today, channel="telegram", lang="zh"),
    }.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            summary(f, settings)
            times.append(time.perf_counter() - started)
        out[name + "_ms"] = round(statistics.median(times) * 1000, 1)
    return out


def markdown(r: dict[str, Any]) -> str:
    e, q = r["event_path"], r["queries"]
    floor = r.get("turn_floor_p95_ms")
    lines = [
        f"# Insights bench ({r['mode']}, {r['when']})",
        "",
        "## Event path per chat turn (tracker store save of a 6-event policy turn, SQLite)",
        "",
        "| store | p50 ms | mean ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for key in ("without_broker", "with_broker", "rasa_stock_without_broker", "rasa_stock_with_broker"):
        v = e[key]
        lines.append(f"| {key.replace('_', ' ')} | {v['p50_ms']} | {v['mean_ms']} | {v['p95_ms']} |")
    lines += [
        "",
        f"Added by the insights event broker: **{e['added_ms_per_turn_mean']} ms per turn** on average "
        f"({e['added_ms_per_turn_p50']} ms p50); Rasa's own SQL broker and store would add "
        f"{e['rasa_stock_added_ms_per_turn_mean']} ms.",
    ]
    if floor:
        lines.append(
            f"Against the bare Rasa turn's p95 of {floor} ms (bench/results/latest.json): "
            f"**{r['event_path_share_of_floor_pct']}%**; the policy action's own record of an answer "
            f"({r['record_answer']['mean_ms']} ms) is {r['record_share_of_policy_pct']}% of a policy turn's "
            f"p95 ({r['policy_p95_ms']} ms)."
        )
    i = r["import"]
    lines += [
        "",
        "## Import (off the chat path)",
        "",
        f"{i['events']} broker events imported in {i['seconds']} s: {i['events_per_s']} events/s.",
        "",
        f"## Insights queries over {q['messages']:,} stored messages (a year: "
        f"{q['conversation_days']:,} conversation-days, {q['answers']:,} answers; votes, transactions and "
        "hand-offs in proportion; SQLite)",
        "",
        "| range | summary() ms |",
        "|---|---|",
        f"| last 30 days | {q['last_30_days_ms']} |",
        f"| last 365 days | {q['last_365_days_ms']} |",
        f"| last 30 days, Telegram, Chinese | {q['last_30_days_telegram_zh_ms']} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.insights_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (the 1M events stay)")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    result: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "when": datetime.now().isoformat(timespec="minutes"),
    }
    print("event path (Rasa environment)…", flush=True)
    result["event_path"] = event_path(args.quick)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        print("action record…", flush=True)
        result["record_answer"] = record_cost(tmp, 100 if args.quick else 500)
        print("import…", flush=True)
        result["import"] = import_rate(tmp, 2000 if args.quick else 20000)
        print(f"queries over {args.messages:,} messages…", flush=True)
        result["queries"] = query_times(tmp, args.messages, 3 if args.quick else 7)
    latest = RESULTS / "latest.json"
    if latest.exists():
        base = json.loads(latest.read_text())
        result["turn_floor_p95_ms"] = base.get("floor_p95_ms")
        result["policy_p95_ms"] = base.get("policy_p95_ms_corpus")
        if result["turn_floor_p95_ms"]:
            result["event_path_share_of_floor_pct"] = round(
                100 * result["event_path"]["added_ms_per_turn_mean"] / result["turn_floor_p95_ms"], 2
            )
        if result["policy_p95_ms"]:
            result["record_share_of_policy_pct"] = round(
                100 * result["record_answer"]["mean_ms"] / result["policy_p95_ms"], 2
            )
    name = "insights-quick" if args.quick else "insights"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2))
    (args.out / f"{name}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
