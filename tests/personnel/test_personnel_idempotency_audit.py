"""Idempotency-Key on creates, and the audit trail of every change."""

from __future__ import annotations

from personnel_testkit import Api

LEAVE = {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-08", "reason": "trip"}


def test_retry_with_same_key_returns_original(api: Api) -> None:
    first = api.post("/leave/applications", json=LEAVE, key="k-1")
    again = api.post("/leave/applications", json=LEAVE, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    apps = api.get("/leave/applications?status=open").json()
    assert [a["id"] for a in apps] == [first.json()["id"]]
    applies = [
        a
        for a in api.get("/audit?entity=leave_application&limit=1000", emp="E1003").json()
        if a["action"] == "leave.apply"
    ]
    assert len(applies) == 1


def test_same_key_different_request_is_refused(api: Api) -> None:
    assert api.post("/leave/applications", json=LEAVE, key="k-2").status_code == 201
    r = api.post("/leave/applications", json={**LEAVE, "to_date": "2026-12-09"}, key="k-2")
    assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_employee(api: Api) -> None:
    a = api.post("/leave/applications", json=LEAVE, key="shared").json()
    b = api.post(
        "/leave/applications",
        emp="E1013",
        json={**LEAVE, "from_date": "2026-12-21", "to_date": "2026-12-21"},
        key="shared",
    ).json()
    assert a["id"] != b["id"] and b["employee_id"] == "E1013"


def test_failed_create_is_not_stored(api: Api) -> None:
    r = api.post("/leave/applications", json={**LEAVE, "to_date": "2026-12-31"}, key="k-3")
    assert r.json()["error"]["code"] == "insufficient_balance"
    # a corrected retry with a new key works; the failed key stored nothing
    assert api.post("/leave/applications", json=LEAVE, key="k-3").status_code == 201


def test_enrol_and_case_idempotent(api: Api) -> None:
    sessions = [s for c in api.get("/training/courses?q=DA-201").json() for s in c["sessions"]]
    body = {"session_id": sessions[0]["id"]}
    a = api.post("/training/enrolments", json=body, key="e-1")
    b = api.post("/training/enrolments", json=body, key="e-1")
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    case = {"subject": "help", "transcript": "t", "language": "en"}
    c1 = api.post("/cases", emp=None, json=case, key="c-1").json()
    c2 = api.post("/cases", emp=None, json=case, key="c-1").json()
    assert c1["id"] == c2["id"]


def test_audit_rows_for_changes(api: Api) -> None:
    app = api.post("/leave/applications", json=LEAVE).json()
    api.post(f"/leave/applications/{app['id']}/decision", emp="E1002", json={"approve": True})
    api.post(f"/leave/applications/{app['id']}/cancel")
    rows = api.get(f"/audit?entity=leave_application&entity_id={app['id']}", emp="E1003").json()
    assert [r["action"] for r in rows] == ["leave.cancel", "leave.approve", "leave.apply"]
    cancel, approve, apply = rows
    assert apply["actor_id"] == "E1001" and apply["channel"] == "web" and apply["before"] is None
    assert apply["after"]["status"] == "open" and apply["after"]["working_days"] == 2
    assert approve["actor_id"] == "E1002" and approve["before"]["status"] == "open"
    assert approve["after"]["status"] == "approved"
    assert cancel["before"]["status"] == "approved" and cancel["after"]["status"] == "cancelled"
    assert all(r["at"] for r in rows)
    # reads leave no audit rows; refused changes neither
    n = len(api.get("/audit?limit=1000", emp="E1003").json())
    api.get("/leave/balances")
    api.post("/leave/applications", json={**LEAVE, "to_date": "2026-12-31"})
    assert len(api.get("/audit?limit=1000", emp="E1003").json()) == n
