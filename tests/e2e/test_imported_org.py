"""An organisation imported from HR's spreadsheet is usable at once: its employee signs in on the web
gateway and applies for leave in chat against the imported opening balance (real Rasa, actions,
backend and gateway over HTTP)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.personnel.import_samples import write_xlsx
from tests.stack import Stack

pytestmark = pytest.mark.stack


def _chat(stack: Stack, employee: str, message: str) -> str:
    now = int(time.time())
    bearer = jwt.encode({"sub": employee, "iat": now, "exp": now + 600}, stack.jwt_secret, algorithm="HS256")
    r = httpx.post(
        f"{stack.gateway_url}/api/chat",
        json={"message": message, "lang": "en"},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return "\n".join(m.get("text", "") for m in r.json()["messages"])


def test_imported_employee_applies_for_leave_with_the_imported_balance(stack: Stack, tmp_path: Path) -> None:
    hr = {"Authorization": f"Bearer {stack.env['PERSONNEL_SERVICE_TOKEN']}", "X-Acting-Employee": "E1003"}
    path = write_xlsx(tmp_path / "acme.xlsx")
    r = httpx.post(
        f"{stack.personnel_url}/imports",
        params={"wait": "true"},
        files={"files": ("acme.xlsx", path.read_bytes(), "application/octet-stream")},
        headers=hr,
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["report"]["written"], r.text

    balance = _chat(stack, "A0003", "how much annual leave do I have left")
    assert "12.5" in balance, balance

    _chat(stack, "A0003", "I want to apply for annual leave")
    _chat(stack, "A0003", "next Monday to Wednesday")
    preview = _chat(stack, "A0003", "family trip")
    assert "Working days counted: 3" in preview and "9.5" in preview, preview
    _chat(stack, "A0003", "yes")
    apps = stack.backend_get("/leave/applications", "A0003")
    assert [(a["status"], a["working_days"], a["approver_id"]) for a in apps] == [("open", 3, "A0002")], apps
    annual = next(b for b in stack.backend_get("/leave/balances", "A0003") if b["leave_type"] == "annual")
    assert (annual["allocated"], annual["pending"], annual["balance"]) == (12.5, 3, 9.5)
