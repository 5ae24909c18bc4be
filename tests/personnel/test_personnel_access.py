"""Access rules, one test per rule: self, manager, HR admin, anonymous, service token."""

from __future__ import annotations

from personnel_testkit import TOKEN, Api

LEAVE = {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-07"}


def code(r: object) -> str:
    return r.json()["error"]["code"]  # type: ignore[attr-defined]


def test_service_token_required(api: Api) -> None:
    r = api.client.get("/me", headers={"X-Acting-Employee": "E1001"})
    assert r.status_code == 401 and code(r) == "unauthorized"
    r = api.client.get("/me", headers={"X-Acting-Employee": "E1001", "Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = api.client.get("/me", headers={"X-Acting-Employee": "E1001", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200


def test_unknown_acting_employee_and_anonymous(api: Api) -> None:
    assert code(api.get("/me", emp="E9999")) == "unknown_employee"
    r = api.get("/me", emp=None)
    assert r.status_code == 403 and code(r) == "identity_required"
    assert code(api.post("/leave/applications", emp=None, json=LEAVE)) == "identity_required"


def test_me_roles(api: Api) -> None:
    me = api.get("/me").json()
    assert me["employee"]["id"] == "E1001" and not me["is_manager"] and not me["is_hr_admin"]
    assert me["roles"] == ["employee"] and me["employee"]["manager_id"] == "E1002"
    boss = api.get("/me", emp="E1002").json()
    assert (
        boss["is_manager"] and "E1001" in boss["direct_reports"] and boss["roles"] == ["employee", "manager"]
    )
    hr = api.get("/me", emp="E1003").json()
    assert hr["is_hr_admin"] and "hr_admin" in hr["roles"]


def test_employee_reads_own_data_with_sensitive_fields(api: Api) -> None:
    p = api.get("/employees/E1001").json()
    assert p["sensitive_visible"] and p["national_id"] and p["salary"] and p["home_address"]
    assert api.get("/records/profile").json()["national_id"] == p["national_id"]


def test_employee_cannot_read_others(api: Api) -> None:
    for path in (
        "/employees/E1004",
        "/records/profile?employee_id=E1002",
        "/leave/balances?employee_id=E1013",
        "/leave/applications?employee_id=E1013",
        "/records/contract?employee_id=E1004",
        "/training/enrolments?employee_id=E1002",
        "/training/progress?employee_id=E1002",
    ):
        r = api.get(path)
        assert r.status_code == 403 and code(r) == "not_your_report", path
    assert [e["id"] for e in api.get("/employees").json()] == ["E1001"]


def test_manager_reads_reports_without_sensitive_fields(api: Api) -> None:
    p = api.get("/employees/E1001", emp="E1002").json()
    assert not p["sensitive_visible"]
    assert p["national_id"] is None and p["salary"] is None and p["home_address"] is None
    assert api.get("/leave/balances?employee_id=E1001", emp="E1002").status_code == 200
    assert api.get("/records/job-history?employee_id=E1001", emp="E1002").status_code == 200
    # indirect reports too (CEO -> E1002 -> E1001), still without sensitive fields
    assert api.get("/employees/E1001", emp="E1050").json()["salary"] is None
    # but not someone in another team
    assert code(api.get("/employees/E1005", emp="E1002")) == "not_your_report"
    listed = {e["id"] for e in api.get("/employees", emp="E1002").json()}
    assert {"E1001", "E1002", "E1013"} <= listed and "E1005" not in listed


def test_hr_admin_reads_everything(api: Api) -> None:
    p = api.get("/employees/E1005", emp="E1003").json()
    assert p["sensitive_visible"] and p["salary"] is not None
    assert len(api.get("/employees", emp="E1003").json()) == 50


def test_only_manager_or_hr_decides(api: Api) -> None:
    app = api.post("/leave/applications", json=LEAVE).json()
    r = api.post(f"/leave/applications/{app['id']}/decision", emp="E1004", json={"approve": True})
    assert r.status_code == 403 and code(r) == "not_your_report"
    r = api.post(f"/leave/applications/{app['id']}/decision", emp="E1013", json={"approve": True})
    assert code(r) == "not_your_report"
    # an indirect manager is not the approver either
    r = api.post(f"/leave/applications/{app['id']}/decision", emp="E1050", json={"approve": True})
    assert code(r) == "not_your_report"
    r = api.post(f"/leave/applications/{app['id']}/decision", emp="E1003", json={"approve": True})
    assert r.status_code == 200 and r.json()["decided_by"] == "E1003"


def test_no_self_approval_even_for_hr(api: Api) -> None:
    own = api.post("/leave/applications", json=LEAVE).json()
    assert (
        code(api.post(f"/leave/applications/{own['id']}/decision", json={"approve": True})) == "self_approval"
    )
    hr_own = api.post("/leave/applications", emp="E1003", json=LEAVE).json()
    r = api.post(f"/leave/applications/{hr_own['id']}/decision", emp="E1003", json={"approve": True})
    assert r.status_code == 403 and code(r) == "self_approval"


def test_pending_approvals_scope(api: Api) -> None:
    mine = {a["employee_id"] for a in api.get("/leave/approvals", emp="E1002").json()}
    assert mine == {"E1013", "E1014"}
    assert api.get("/leave/approvals").json() == []
    everyone = {a["employee_id"] for a in api.get("/leave/approvals", emp="E1003").json()}
    assert {"E1013", "E1014", "E1005", "E1007"} <= everyone


def test_applying_and_cancelling_for_others(api: Api) -> None:
    r = api.post("/leave/applications", emp="E1002", json={**LEAVE, "employee_id": "E1001"})
    assert r.status_code == 403 and code(r) == "forbidden"
    r = api.post("/leave/applications", emp="E1003", json={**LEAVE, "employee_id": "E1001"})
    assert r.status_code == 201 and r.json()["employee_id"] == "E1001"
    leave_id = r.json()["id"]
    assert code(api.post(f"/leave/applications/{leave_id}/cancel", emp="E1004")) == "not_your_report"
    assert code(api.post(f"/leave/applications/{leave_id}/cancel", emp="E1002")) == "forbidden"
    assert code(api.get(f"/leave/applications/{leave_id}", emp="E1004")) == "not_your_report"
    assert api.get(f"/leave/applications/{leave_id}", emp="E1002").status_code == 200
    assert api.post(f"/leave/applications/{leave_id}/cancel").status_code == 200


def test_audit_is_hr_only(api: Api) -> None:
    assert code(api.get("/audit")) == "forbidden"
    assert code(api.get("/audit", emp="E1002")) == "forbidden"
    assert api.get("/audit", emp="E1003").status_code == 200


def test_cases_access(api: Api) -> None:
    anon = api.post(
        "/cases", emp=None, json={"subject": "Anonymous question", "transcript": "...", "language": "en"}
    )
    assert anon.status_code == 201 and anon.json()["employee_id"] is None
    own = api.post("/cases", json={"subject": "公积金", "transcript": "用户: ...", "language": "zh"}).json()
    assert own["employee_id"] == "E1001" and own["channel"] == "web" and own["status"] == "open"
    assert {c["id"] for c in api.get("/cases").json()} >= {own["id"]}
    assert anon.json()["id"] not in {c["id"] for c in api.get("/cases").json()}
    assert code(api.get(f"/cases/{anon.json()['id']}")) == "forbidden"
    assert code(api.patch(f"/cases/{own['id']}", emp="E1001", json={"status": "resolved"})) == "forbidden"
    r = api.patch(f"/cases/{own['id']}", json={"status": "in_progress", "assignee_id": "E1003"})
    assert r.status_code == 200 and r.json()["assignee_id"] == "E1003" and r.json()["status"] == "in_progress"
    assert code(api.patch(f"/cases/{own['id']}", json={"assignee_id": "E1001"})) == "invalid_assignee"
    assert anon.json()["id"] in {c["id"] for c in api.get("/cases", emp="E1003").json()}
