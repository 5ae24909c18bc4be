"""The whole benchmark: starts the real stack, measures it, writes bench/results/latest.{md,json}.

Phases (each shown with a progress bar):

0. training the Rasa model from scratch (into the run's folder; the served model is untouched);
1. knowledge: ingest the reference corpus cold, then again unchanged;
2. cold start of every process to "ready" (health endpoints answer, Rasa's model loaded);
3. warm-up, and the policy questions that really get a cited answer (dev set);
4. turn latency at 1, 10 and 50 concurrent conversations: the floor (a bare Rasa turn, no custom
   action), a transaction (leave balance), a policy answer, a whole leave application; at
   concurrency 1 the three single turns are interleaved so machine noise hits them alike;
5. throughput at 20 concurrent conversations (a mix of all four, and the floor alone);
6. memory of every process after the load;
7. retrieval at corpus size, 10k and 100k chunks (in process), then the action server restarted
   on the 100k store and policy turns measured again, interleaved with floor turns.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench import knowledge_bench as kbench
from bench import machine
from bench.load import Driver, Result, Scenario, as_dict, scenarios, usable_policy_questions
from bench.report import write_results
from hrbot import environments, paths
from hrbot.serve import wait_until_ready

console = Console()


@dataclass(frozen=True)
class Plan:
    """How much to measure; `quick` is for development (minutes, not a result to publish)."""

    quick: bool
    policy_questions: int
    c1_rounds: int
    c1_flows: int
    turns: dict[int, int]  # concurrency -> single turns per scenario
    flows: dict[int, int]  # concurrency -> leave applications
    mix_s: float
    floor_mix_s: float
    sizes: tuple[int, ...]
    rounds_100k: int

    @classmethod
    def make(cls, quick: bool, sizes: tuple[int, ...] | None) -> Plan:
        if quick:
            return cls(True, 6, 8, 3, {10: 30, 50: 50}, {10: 10, 50: 50}, 10, 5, sizes or (10_000,), 8)
        return cls(
            False, 12, 40, 12, {10: 100, 50: 200}, {10: 20, 50: 50}, 45, 15, sizes or (10_000, 100_000), 40
        )


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def make_stack(layout: str, workdir: Path) -> Any:
    if layout == "scaleout":
        from tests.scaleout.layout import ScaleoutStack, postgres_problem, redis_problem

        for problem in (postgres_problem(), redis_problem()):
            if problem:
                sys.exit(f"the scale-out layout needs PostgreSQL and Redis: {problem}")
        return ScaleoutStack(workdir)
    from tests.stack import Stack

    return Stack(workdir)


def pids(stack: Any) -> dict[str, int]:
    return {name: proc.pid for name, proc in stack.processes.items()}


def rasa_urls(stack: Any) -> list[str]:
    return list(getattr(stack, "rasa_urls", [stack.rasa_url]))


def restart_actions(stack: Any, timeout_s: float = 120.0) -> float:
    """Stop the action server (and its workers) and start it again; seconds until it answers."""
    proc = stack.processes["actions"]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    t0 = time.perf_counter()
    log = open(stack.workdir / "actions.log", "ab")  # noqa: SIM115 - closed with the process
    stack.processes["actions"] = subprocess.Popen(
        [str(Path(sys.executable).parent / "hrbot"), "serve", "actions"],
        cwd=paths.ROOT,
        env=stack.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if wait_until_ready({"actions": f"{stack.env['ACTIONS_URL']}/health"}, timeout_s=timeout_s):
        raise RuntimeError(f"the action server did not come back\n{stack.logs()}")
    return time.perf_counter() - t0


def stop_actions(stack: Any) -> None:
    proc = stack.processes["actions"]
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


async def interleaved(driver: Driver, kinds: dict[str, Scenario | list[Scenario]], rounds: int) -> dict:
    """Concurrency 1: each round sends one turn of every kind in turn, so noise hits all alike."""
    results = {name: Result() for name in kinds}
    total = rounds * len(kinds)
    with progress_bar(f"concurrency 1: {', '.join(kinds)}", total) as advance:
        for r in range(rounds):
            for name, scripts in kinds.items():
                options = scripts if isinstance(scripts, list) else [scripts]
                await driver.conversation(options[r % len(options)], results[name])
                advance(1)
    return results


async def block(driver: Driver, name: str, scripts: list[Scenario], concurrency: int, count: int) -> Result:
    turns = count * len(scripts[0].turns)
    with progress_bar(f"concurrency {concurrency}: {name}", turns) as advance:
        return await driver.run(scripts, concurrency, conversations=count, on_turns=advance)


async def measure(args: Any) -> dict[str, Any]:
    plan = Plan.make(args.quick, tuple(args.sizes) if args.sizes else None)
    out: dict[str, Any] = {"layout": args.layout, "mode": "quick" if plan.quick else "full", "notes": []}
    out["machine"] = machine.describe()
    corpus: Path = args.corpus
    if corpus.is_dir():
        out["corpus"] = {"present": True, "path": str(corpus)}
    else:
        msg = (
            f"Reference corpus NOT FOUND at {corpus}: the corpus figures (ingestion, policy turns at "
            "corpus size) are missing; the store is grown from the demo handbook instead."
        )
        console.print(f"[bold red]{msg}[/bold red]")
        out["corpus"] = {"present": False, "path": str(corpus)}
        out["notes"].append(msg)
    if not paths.MODEL.exists():
        sys.exit("No trained Rasa model: run `make bench` (or `.venv/bin/hrbot setup --minimal` first).")

    workdir = Path(tempfile.mkdtemp(prefix="hrbot-bench-"))
    with console.status("training the Rasa model from scratch (NLU and dialogue policies)"):
        t0 = time.perf_counter()
        # an empty training cache: every component is trained, as on a fresh machine
        environments.train_model(
            workdir / "models", log=workdir / "train.log", cache_dir=workdir / "rasa-cache"
        )
        out["train_s"] = round(time.perf_counter() - t0, 1)
    console.print(f"model trained in {out['train_s']} s")
    stack = make_stack(args.layout, workdir)
    console.print(f"state and logs of this run: {workdir}" + ("" if args.keep else " (removed at the end)"))
    chroma_url = stack.env.get("KNOWLEDGE_CHROMA_URL") if args.layout == "scaleout" else None
    source = corpus if corpus.is_dir() else paths.DEMO_KNOWLEDGE
    candidates = kbench.questions(args.dev_qa) if corpus.is_dir() else list(kbench.DEMO_QUESTIONS)
    driver: Driver | None = None
    try:
        if args.layout != "scaleout":  # embedded: the store is on disk, ingest before the stack starts
            kb = kbench.open_kb(workdir / "chroma")
            with console.status(f"ingesting {source} (cold, then unchanged)"):
                out["ingest"] = kbench.ingest(kb, source)
        with console.status(f"starting the stack ({args.layout} layout) until every process is ready"):
            t0 = time.perf_counter()
            stack.start()
            out["cold_start_s"] = round(time.perf_counter() - t0, 1)
        console.print(f"stack ready in {out['cold_start_s']} s")
        if args.layout == "scaleout":  # the Chroma server runs inside the stack
            kb = kbench.open_kb(workdir / "chroma", chroma_url)
            with console.status(f"ingesting {source} into the Chroma server (cold, then unchanged)"):
                out["ingest"] = kbench.ingest(kb, source)
        console.print(f"ingestion: {out['ingest']}")

        driver = Driver(rasa_urls(stack), stack.identity_secret)
        t0 = time.perf_counter()
        policy = []
        for i, q in enumerate(candidates):  # the first cited answer loads the models of the action server
            policy += await usable_policy_questions(driver, [q], 1)
            if policy:
                out["first_policy_answer_s"] = round(time.perf_counter() - t0, 1)
                rest = candidates[i + 1 :]
                policy += await usable_policy_questions(driver, rest, plan.policy_questions - 1)
                break
        out["policy_questions"] = policy
        if not policy:
            raise RuntimeError("no policy question got a cited answer: is the knowledge base empty?")
        kinds = scenarios(policy)
        for name, scripts in kinds.items():  # warm-up: every kind twice
            warm = Result()
            for s in (scripts * 2)[:2]:
                await driver.conversation(s, warm)
            if warm.errors:
                raise RuntimeError(f"warm-up of {name} failed: {warm.error_samples}\n{stack.logs()}")

        latency: dict[str, dict[str, Any]] = {name: {} for name in kinds}
        c1 = await interleaved(
            driver, {n: kinds[n] for n in ("floor", "transaction", "policy")}, plan.c1_rounds
        )
        for name, res in c1.items():
            latency[name]["1"] = as_dict(res)
        latency["leave_flow"]["1"] = as_dict(
            await block(driver, "leave_flow", kinds["leave_flow"], 1, plan.c1_flows)
        )
        for conc in (10, 50):
            for name in ("floor", "transaction", "policy"):
                res = await block(driver, name, kinds[name], conc, plan.turns[conc])
                latency[name][str(conc)] = as_dict(res)
            res = await block(driver, "leave_flow", kinds["leave_flow"], conc, plan.flows[conc])
            latency["leave_flow"][str(conc)] = as_dict(res)
        out["latency"] = latency

        # Conversations of every kind in equal numbers: greeting, balance, policy question, leave
        # application (4 turns), the policy question rotating over the dev-set questions.
        mix = [
            s
            for q in kinds["policy"]
            for s in (kinds["floor"][0], kinds["transaction"][0], q, kinds["leave_flow"][0])
        ]
        with progress_bar(f"throughput, 20 conversations, mixed turns, {plan.mix_s:.0f} s", None) as adv:
            cpu0 = machine.cpu_seconds(pids(stack))
            res = await driver.run(mix, 20, duration_s=plan.mix_s, on_turns=adv)
        out["throughput_20_mix"] = as_dict(res)
        out["throughput_20_mix"]["cpu_ms_per_msg"] = machine.cpu_ms_per_message(
            cpu0, machine.cpu_seconds(pids(stack)), res.turns
        )
        with progress_bar(
            f"throughput, 20 conversations, floor turns, {plan.floor_mix_s:.0f} s", None
        ) as adv:
            cpu0 = machine.cpu_seconds(pids(stack))
            res = await driver.run(kinds["floor"], 20, duration_s=plan.floor_mix_s, on_turns=adv)
        out["throughput_20_floor"] = as_dict(res)
        out["throughput_20_floor"]["cpu_ms_per_msg"] = machine.cpu_ms_per_message(
            cpu0, machine.cpu_seconds(pids(stack)), res.turns
        )
        out["memory"] = machine.memory(pids(stack))

        # Knowledge base growth: measured in process, with the action server stopped meanwhile.
        search: dict[str, Any] = {}
        n = kbench.chunk_count(kb)
        with console.status(f"retrieval latency at {n} chunks"):
            search[str(n)] = {
                **kbench.search_latency(kb, candidates),
                **kbench.chroma_filter_cost(kb, candidates),
            }
        stop_actions(stack)
        for size in plan.sizes:
            have = kbench.chunk_count(kb)
            with progress_bar(f"growing the store to {size} chunks", size - have) as adv:
                grow_s = kbench.grow(kb, size, progress=adv)
            with console.status(f"retrieval latency at {size} chunks"):
                t0 = time.perf_counter()
                kb.store.snapshot()
                rebuild_s = time.perf_counter() - t0
                lat = kbench.search_latency(kb, candidates, rounds=1)
                search[str(kbench.chunk_count(kb))] = {
                    **lat,
                    **kbench.chroma_filter_cost(kb, candidates),
                    "grow_s": round(grow_s, 1),
                    "bm25_rebuild_s": round(rebuild_s, 2),
                }
        out["search"] = search
        out["chunks_grown"] = kbench.chunk_count(kb)
        with console.status("restarting the action server on the grown store"):
            out["actions_restart_s"] = round(restart_actions(stack), 1)
            t0 = time.perf_counter()
            await usable_policy_questions(driver, policy[:1], 1)  # loads the model, builds BM25
            out["first_policy_answer_grown_s"] = round(time.perf_counter() - t0, 1)
        grown = await interleaved(
            driver, {"floor": kinds["floor"], "policy": kinds["policy"]}, plan.rounds_100k
        )
        out["grown"] = {name: as_dict(res) for name, res in grown.items()}
        out["memory_grown"] = machine.memory(pids(stack))
    finally:
        if driver is not None:
            await driver.aclose()
        stack.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    out["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main(args: Any) -> None:
    import logging

    import structlog

    # The connectors' client logs every reply at info level: keep the progress bars readable.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    results = asyncio.run(measure(args))
    results["bench_duration_s"] = round(time.perf_counter() - started, 1)
    md, js = write_results(results, args.out, args.name)
    console.print(md.read_text(encoding="utf-8"))
    console.print(f"written {md} and {js}")
