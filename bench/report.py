"""Turn the measurements into bench/results/<name>.json (flat headline keys + details) and a
Markdown report with the targets of issue 7, the tables, and the machine it ran on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GIB_MIB = 1024.0


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def headline(r: dict[str, Any]) -> dict[str, Any]:
    """The keys issue 7 asks for (ms, per second, MiB, s), plus ratios to the floor."""
    corpus = bool(_get(r, "corpus", "present"))
    lat = r.get("latency", {})
    floor = _get(lat, "floor", "1", "p95_ms")
    grown_chunks = r.get("chunks_grown") or 0
    errors = sum(v.get("errors", 0) for per in lat.values() for v in per.values())
    errors += sum(_get(r, k, "errors") or 0 for k in ("throughput_20_mix", "throughput_20_floor"))
    errors += sum(v.get("errors", 0) for v in (r.get("grown") or {}).values())
    policy_100k = _get(r, "grown", "policy", "p95_ms") if grown_chunks >= 100_000 else None
    floor_100k = _get(r, "grown", "floor", "p95_ms") if grown_chunks >= 100_000 else None
    h = {
        "floor_p95_ms": floor,
        "transaction_p95_ms": _get(lat, "transaction", "1", "p95_ms"),
        "policy_p95_ms_corpus": _get(lat, "policy", "1", "p95_ms") if corpus else None,
        "policy_p95_ms_100k": policy_100k,
        "leave_flow_p95_ms": _get(lat, "leave_flow", "1", "conversation_p95_ms"),
        "leave_flow_turn_p95_ms": _get(lat, "leave_flow", "1", "p95_ms"),
        "msgs_per_s_20": _get(r, "throughput_20_mix", "msgs_per_s"),
        "errors_20": _get(r, "throughput_20_mix", "errors"),
        "msgs_per_s_20_floor": _get(r, "throughput_20_floor", "msgs_per_s"),
        "errors": errors,
        "rss_total_mib": round(sum(m["rss_mib"] for m in (r.get("memory") or {}).values()), 1),
        "pss_total_mib": round(sum(m["pss_mib"] for m in (r.get("memory") or {}).values()), 1),
        "rss_total_mib_100k": round(sum(m["rss_mib"] for m in (r.get("memory_grown") or {}).values()), 1)
        if grown_chunks >= 100_000
        else None,
        "ingest_corpus_s": _get(r, "ingest", "cold_s") if corpus else None,
        "reingest_corpus_s": _get(r, "ingest", "rerun_s") if corpus else None,
        "cold_start_s": r.get("cold_start_s"),
        "train_s": r.get("train_s"),
    }
    h["ratio_transaction_to_floor_p95"] = _ratio(h["transaction_p95_ms"], floor)
    h["ratio_policy_corpus_to_floor_p95"] = _ratio(h["policy_p95_ms_corpus"], floor)
    h["ratio_policy_100k_to_floor_p95"] = _ratio(policy_100k, floor)
    h["ratio_policy_100k_to_floor_p95_same_phase"] = _ratio(policy_100k, floor_100k)
    h["ratio_leave_turn_to_floor_p95"] = _ratio(h["leave_flow_turn_p95_ms"], floor)
    return h


def targets(h: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met?) for issue 7 section 2; None when not measured in this run."""

    def check(ok: bool | None, text: str) -> tuple[str, bool | None]:
        return text, ok

    rows = []
    t, f = h["transaction_p95_ms"], h["floor_p95_ms"]
    rows.append(
        (
            "transactional turn p95 ≤ 2× floor p95",
            *check(
                None if t is None or not f else t <= 2 * f,
                f"{t} ms vs {f} ms floor = {h['ratio_transaction_to_floor_p95']}×",
            ),
        )
    )
    p, same = h["policy_p95_ms_100k"], h["ratio_policy_100k_to_floor_p95_same_phase"]
    rows.append(
        (
            "policy turn p95 ≤ 3× floor p95 at 100k chunks (floor measured alongside)",
            *check(
                None if p is None or same is None else same <= 3,
                f"{p} ms = {h['ratio_policy_100k_to_floor_p95']}× the floor "
                f"({h['ratio_policy_100k_to_floor_p95_same_phase']}× the floor measured alongside)"
                if p
                else "not measured (store not grown to 100k)",
            ),
        )
    )
    m, e = h["msgs_per_s_20"], h["errors_20"]
    rows.append(
        (
            "≥ 50 msgs/s at 20 concurrent conversations, 0 errors",
            *check(None if m is None else (m >= 50 and e == 0), f"{m} msgs/s, {e} errors"),
        )
    )
    rss = h["rss_total_mib"]
    rows.append(
        (
            "whole stack < 3 GiB RSS",
            *check(
                None if not rss else rss < 3 * GIB_MIB,
                f"{rss / GIB_MIB:.2f} GiB RSS ({h['pss_total_mib'] / GIB_MIB:.2f} GiB PSS)" if rss else "-",
            ),
        )
    )
    tr, cold = h["train_s"], h["cold_start_s"]
    rows.append(
        (
            "Rasa model trained from scratch ≤ 5 min (issue 15)",
            *check(None if tr is None else tr <= 300, f"{tr} s" if tr is not None else "-"),
        )
    )
    rows.append(
        (
            "cold start of the whole stack to ready < 60 s (issue 15)",
            *check(None if cold is None else cold < 60, f"{cold} s" if cold is not None else "-"),
        )
    )
    ing = h["ingest_corpus_s"]
    rows.append(
        (
            "reference corpus ingested < 60 s",
            *check(None if ing is None else ing < 60, f"{ing} s" if ing is not None else "corpus absent"),
        )
    )
    return rows


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def _row(*cells: Any) -> str:
    return "| " + " | ".join(c if isinstance(c, str) else _fmt(c) for c in cells) + " |"


def markdown(r: dict[str, Any], h: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"# Benchmark ({r['layout']} layout, {r['mode']} run)",
        "",
        f"Run {m['date']} on commit {m.get('commit')}; took {r.get('bench_duration_s')} s. "
        f"Machine: {m['cpu']}, {m['cores_usable']} usable cores ({m['cores_logical']} logical), "
        f"{m['memory_gib']} GiB RAM, {m['os']}, Python {m['python']}. Load average at start "
        f"{m['load_average_at_start']}, at end {m.get('load_average_at_end')}; the *load* columns give the "
        "1-minute load average after each block (above ~2 on 2 cores something else competed for the "
        "CPU: compare ratios to the floor rather than absolute times).",
        "",
    ]
    if not _get(r, "corpus", "present"):
        lines += [f"**{n}**" for n in r.get("notes", [])] + [""]
    lines += ["## Targets (issue 7)", "", "| target | measured | met |", "|---|---|---|"]
    for name, measured, ok in targets(h):
        lines.append(
            f"| {name} | {measured} | {'yes' if ok else 'not measured' if ok is None else '**no**'} |"
        )
    lines += [
        "",
        "## Turn latency",
        "",
        "A turn = one user message until Rasa's reply (REST channel, as the connectors send it, with a "
        "signed identity). Floor: `hello` → `utter_greet` by a rule, no custom action. Transaction: "
        "leave balance of a signed-in employee (action server → backend). Policy: a dev-set question "
        "answered with citations (action server → knowledge base). Leave application: 4 turns (type, "
        "dates, reason, then *no* at the confirmation so nothing is submitted); its row shows turns, "
        "and the whole application in the last columns.",
        "",
        "| turn | concurrent | turns | errors | p50 ms | p95 ms | p99 ms | p95 / floor p95 | "
        "application p50 ms | application p95 ms | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lat = r.get("latency", {})
    for name in ("floor", "transaction", "policy", "leave_flow"):
        for conc, v in (lat.get(name) or {}).items():
            floor = _get(lat, "floor", conc, "p95_ms")
            lines.append(
                _row(
                    name.replace("_", " "),
                    conc,
                    v["turns"],
                    v["errors"],
                    v.get("p50_ms"),
                    v.get("p95_ms"),
                    v.get("p99_ms"),
                    _ratio(v.get("p95_ms"), floor),
                    v.get("conversation_p50_ms"),
                    v.get("conversation_p95_ms"),
                    v.get("load_1m"),
                )
            )
    grown = r.get("grown") or {}
    if grown:
        gf = _get(grown, "floor", "p95_ms")
        lines += [
            "",
            f"After growing the store to {r.get('chunks_grown')} chunks and restarting the action server "
            "(concurrency 1, floor and policy turns interleaved):",
            "",
            "| turn | turns | errors | p50 ms | p95 ms | p99 ms | p95 / floor p95 | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, v in grown.items():
            lines.append(
                _row(
                    name,
                    v["turns"],
                    v["errors"],
                    v.get("p50_ms"),
                    v.get("p95_ms"),
                    v.get("p99_ms"),
                    _ratio(v.get("p95_ms"), gf),
                    v.get("load_1m"),
                )
            )
    lines += [
        "",
        "## Throughput (20 concurrent conversations)",
        "",
        "| workload | seconds | turns | msgs/s | errors | load |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for key, label in (
        ("throughput_20_mix", "mixed: floor, balance, policy, leave application"),
        ("throughput_20_floor", "floor turns only (Rasa alone)"),
    ):
        v = r.get(key) or {}
        secs = v["turns"] / v["msgs_per_s"] if v.get("msgs_per_s") else None
        lines.append(
            _row(label, secs, v.get("turns"), v.get("msgs_per_s"), v.get("errors"), v.get("load_1m"))
        )
    cpu = {k: _get(r, k, "cpu_ms_per_msg") for k in ("throughput_20_mix", "throughput_20_floor")}
    if any(cpu.values()):
        names = [n for n in (cpu["throughput_20_mix"] or cpu["throughput_20_floor"]) if n != "total"]
        lines += [
            "",
            "CPU milliseconds per message in each process during those runs (the cores are shared by all of "
            "them, the benchmark's own client included; 2 cores give 2000 ms of CPU per second):",
            "",
            "| workload | " + " | ".join(names) + " | total |",
            "|---|" + "---:|" * (len(names) + 1),
        ]
        for key, label in (("throughput_20_mix", "mixed"), ("throughput_20_floor", "floor only")):
            if cpu[key]:
                lines.append(_row(label, *(cpu[key].get(n) for n in names), cpu[key].get("total")))
    ing = r.get("ingest") or {}
    lines += [
        "",
        "## Knowledge base",
        "",
        "| ingestion | files | chunks | seconds | files/s | chunks/s |",
        "|---|---:|---:|---:|---:|---:|",
        f"| cold | {ing.get('files')} | {ing.get('chunks')} | {_fmt(ing.get('cold_s'))} | "
        f"{_fmt(ing.get('files_per_s'))} | {_fmt(ing.get('chunks_per_s'))} |",
        f"| re-run, unchanged ({ing.get('rerun_unchanged')} files) | {ing.get('files')} | "
        f"{ing.get('rerun_chunks_embedded')} | {ing.get('rerun_s')} | – | – |",
        "",
        "Retrieval in process (`KnowledgeBase.search`: query embedding, BM25, Chroma k-NN, fusion); the "
        "last two columns are a bare Chroma k-NN query (top 60) without and with a metadata filter "
        "(`where language = en`). knowledge/ never sends a filter to Chroma: it filters audience and "
        "prefers the language in Python on the unfiltered top 60 (`knowledge/store.py`, `dense_query`).",
        "",
        "| chunks | search p50 ms | search p95 ms | Chroma k-NN p50 ms | with filter p50 ms | "
        "growth s | BM25 rebuild s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, v in (r.get("search") or {}).items():
        lines.append(
            _row(
                n,
                v.get("p50_ms"),
                v.get("p95_ms"),
                v.get("unfiltered_p50_ms"),
                v.get("filtered_p50_ms"),
                v.get("grow_s"),
                v.get("bm25_rebuild_s"),
            )
        )
    lines += [
        "",
        "## Memory and start-up",
        "",
        "Resident memory after the load (each process with its children); PSS shares pages used by "
        "several processes out between them.",
        "",
        f"| process | processes | RSS MiB | PSS MiB | RSS MiB at {r.get('chunks_grown')} chunks |",
        "|---|---:|---:|---:|---:|",
    ]
    grown_mem = r.get("memory_grown") or {}
    for name, v in (r.get("memory") or {}).items():
        lines.append(
            f"| {name} | {v['processes']} | {_fmt(v['rss_mib'])} | {_fmt(v['pss_mib'])} | "
            f"{_fmt(_get(grown_mem, name, 'rss_mib'))} |"
        )
    lines.append(
        f"| **total** | | **{_fmt(h['rss_total_mib'])}** | **{_fmt(h['pss_total_mib'])}** | "
        f"{_fmt(h['rss_total_mib_100k'])} |"
    )
    lines += [
        "",
        "Cold start (every process started until all answer, Rasa's model loaded): "
        f"{r.get('cold_start_s')} s. "
        f"The first policy answer after that took {r.get('first_policy_answer_s')} s (the action server "
        "loads the embedding model and the BM25 index in the background at start-up; a question that "
        "comes first waits for them); after the restart on the grown store "
        f"{r.get('first_policy_answer_grown_s')} s.",
        "",
    ]
    return "\n".join(lines)


def write_results(r: dict[str, Any], out_dir: Path, name: str) -> tuple[Path, Path]:
    """Write `<name>.json` (headline keys first, then everything measured) and `<name>.md`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    h = headline(r)
    js = out_dir / f"{name}.json"
    js.write_text(json.dumps({**h, **r}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = out_dir / f"{name}.md"
    md.write_text(markdown(r, h), encoding="utf-8")
    return md, js


if (
    __name__ == "__main__"
):  # re-render a report from its JSON: python -m bench.report bench/results/latest.json
    import sys

    path = Path(sys.argv[1])
    data = json.loads(path.read_text(encoding="utf-8"))
    path.with_suffix(".md").write_text(markdown(data, headline(data)), encoding="utf-8")
