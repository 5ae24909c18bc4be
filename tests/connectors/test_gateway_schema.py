"""Property-based API test (schemathesis) of the public gateway endpoints over real HTTP.

Generated requests must never cause a server error, and every response must match the documented
status codes and schemas. The knowledge admin endpoints are covered by test_admin_access.py (they
would ingest generated junk into the knowledge base). Operations are driven through Hypothesis
directly because schemathesis' pytest plugin does not yet support pytest 9.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.connectors.servers import ServerThread


def test_gateway_conforms_to_its_openapi(gateway: ServerThread) -> None:
    schema = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json").exclude(path_regex="^/api/admin")
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tested.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()

        check()
    assert "POST /api/chat" in tested
