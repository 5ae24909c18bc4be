"""Latency of the personnel backend's main endpoints under 20 concurrent clients.

Starts the real service (``python -m personnel``) on a temporary SQLite database (migrated and
seeded on startup), fires requests from 20 concurrent clients and prints a Markdown table of
p50/p95 per endpoint. Run from the repository root::

    .venv/bin/python -m bench.personnel_bench [--requests 40] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

TOKEN = "bench-token"
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PERSONNEL_DATABASE_URL": db_url,
        "PERSONNEL_SERVICE_TOKEN": TOKEN,
        "PERSONNEL_URL": f"http://127.0.0.1:{port}",
        "HRBOT_ENV": "development",  # the demo organisation is what the bench measures on
    }
    proc = subprocess.Popen([sys.executable, "-m", "personnel", "--log-level", "warning"], cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not start")


def hdr(emp: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "X-Acting-Employee": emp, "X-Channel": "bench"}


def endpoints() -> dict[str, Callable[[httpx.AsyncClient, int], Any]]:
    employees = [f"E{1001 + i}" for i in range(40)]

    def emp(i: int) -> str:
        return employees[i % len(employees)]

    preview = {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-08"}
    return {
        "GET /me": lambda c, i: c.get("/me", headers=hdr(emp(i))),
        "GET /leave/balances": lambda c, i: c.get("/leave/balances", headers=hdr(emp(i))),
        "POST /leave/preview": lambda c, i: c.post("/leave/preview", json=preview, headers=hdr("E1001")),
        "GET /leave/applications": lambda c, i: c.get("/leave/applications", headers=hdr(emp(i))),
        "GET /training/courses?q=数据分析": lambda c, i: c.get(
            "/training/courses", params={"q": "数据分析"}, headers=hdr(emp(i))
        ),
        "POST /cases (idempotent create)": lambda c, i: c.post(
            "/cases",
            json={"subject": "bench", "transcript": "t", "language": "en"},
            headers={**hdr(emp(i)), "Idempotency-Key": uuid.uuid4().hex},
        ),
    }


async def measure(
    base: str, name: str, call: Callable[[httpx.AsyncClient, int], Any], clients: int, per_client: int
) -> tuple[list[float], int]:
    times: list[float] = []
    errors = 0

    async def worker(w: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            for k in range(per_client):
                t0 = time.perf_counter()
                r = await call(c, w * per_client + k)
                times.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 400:
                    errors += 1

    await asyncio.gather(*(worker(w) for w in range(clients)))
    return times, errors


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(base: str, clients: int, per_client: int) -> None:
    print(f"\n{clients} concurrent clients x {per_client} requests per endpoint (SQLite)\n")
    print("| endpoint | requests | errors | p50 ms | p95 ms | mean ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, call in endpoints().items():
        times, errors = await measure(base, name, call, clients, per_client)
        print(
            f"| {name} | {len(times)} | {errors} | {pct(times, 50):.1f} | {pct(times, 95):.1f} | "
            f"{statistics.fmean(times):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="requests per client and endpoint")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            asyncio.run(run(base, args.clients, args.requests))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
