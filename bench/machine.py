"""What the benchmark ran on, and the memory of the processes it measured.

The machine description goes into every result file: figures from different machines (or from a
machine busy with other jobs, see the load averages) are not comparable, ratios to the floor are.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def describe() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and the main library versions, the commit, the load now."""
    vm = psutil.virtual_memory()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "cpu": _cpu_model(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_usable": usable,
        "memory_gib": round(vm.total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            "rasa-sdk": _version("rasa-sdk"),
            "chromadb": _version("chromadb"),
            "fastapi": _version("fastapi"),
        },
        "commit": f"{commit}{'+changes' if dirty else ''}" if commit else None,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def memory(pids: dict[str, int]) -> dict[str, dict[str, float]]:
    """RSS and PSS (MiB) of each named process together with all its children (Sanic workers,
    Rasa's helpers). RSS counts pages shared between processes once per process; PSS shares them
    out, so the PSS total is what the stack really occupies."""
    out: dict[str, dict[str, float]] = {}
    for name, pid in pids.items():
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        rss = pss = 0
        for proc in procs:
            try:
                info = proc.memory_full_info()
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        out[name] = {
            "rss_mib": round(rss / 2**20, 1),
            "pss_mib": round(pss / 2**20, 1),
            "processes": len(procs),
        }
    return out


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system, s) used so far by each named process and its children, and by this
    benchmark process itself ("bench": it shares the cores with the stack)."""
    out: dict[str, float] = {}
    for name, pid in {**pids, "bench": os.getpid()}.items():
        try:
            root = psutil.Process(pid)
            procs = [root] if name == "bench" else [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        total = 0.0
        for proc in procs:
            try:
                t = proc.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                continue
        out[name] = total
    return out


def cpu_ms_per_message(before: dict[str, float], after: dict[str, float], messages: int) -> dict[str, float]:
    """Where the CPU went, per message, between two `cpu_seconds` readings."""
    if not messages:
        return {}
    per = {n: round((after[n] - before.get(n, 0.0)) * 1000 / messages, 1) for n in after}
    per["total"] = round(sum(per.values()), 1)
    return per
