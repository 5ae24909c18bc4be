"""Property-based API fuzzing with schemathesis: no input makes the service answer 5xx.

Runs against the real service (uvicorn subprocess) on SQLite and PostgreSQL, bounded in examples
and time. The
acting employee is the HR admin E1003 so that generated requests reach the deepest code paths.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from personnel_testkit import TOKEN, LiveServer, Templates, run_server
from schemathesis import GenerationMode

BUDGET_S = 45


@pytest.fixture
def sqlite_live(templates: Templates) -> Iterator[LiveServer]:
    with run_server(templates.fresh("sqlite")) as server:
        yield server


def test_openapi_served(sqlite_live: LiveServer) -> None:
    import httpx

    spec = httpx.get(f"{sqlite_live.base_url}/openapi.json").json()
    assert "/leave/preview" in spec["paths"] and "/training/enrolments" in spec["paths"]
    assert httpx.get(f"{sqlite_live.base_url}/docs").status_code == 200


def test_no_server_errors(live: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    fixed = {"Authorization": f"Bearer {TOKEN}", "X-Acting-Employee": "E1003", "X-Channel": "test"}
    strategy = st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE, headers=fixed),
        schema.as_strategy(GenerationMode.NEGATIVE, headers=fixed),
    )
    started = time.monotonic()
    failures: list[str] = []
    calls: list[tuple[str, int]] = []

    @settings(
        max_examples=400,
        deadline=None,
        phases=[Phase.generate],
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: schemathesis.Case) -> None:
        if time.monotonic() - started > BUDGET_S:
            return
        response = case.call(base_url=live.base_url, timeout=30)
        calls.append((case.method, response.status_code))
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
            )

    fuzz()
    assert not failures, "\n".join(failures[:10])
    assert len(calls) > 50, "schemathesis generated too few requests"
    print(len(calls), sorted({c for _, c in calls}))
