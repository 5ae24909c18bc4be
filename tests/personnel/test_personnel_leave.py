"""Leave rules over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from personnel_testkit import Api, headers, make_settings

from personnel.app.main import create_app

# 2026-11-23 is "today" (a Monday); December 2026 has no PRC public holidays
MON, FRI = "2026-12-07", "2026-12-11"


def leave(from_date: str, to_date: str, leave_type: str = "annual", **kw: object) -> dict[str, object]:
    return {"leave_type": leave_type, "from_date": from_date, "to_date": to_date, **kw}


def count_applications(api: Api, emp: str = "E1001") -> int:
    return len(api.get(f"/leave/applications?employee_id={emp}", emp="E1003").json())


def test_preview_counts_and_creates_nothing(api: Api) -> None:
    before = count_applications(api)
    r = api.post("/leave/preview", json=leave("2026-12-04", "2026-12-08"))
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["working_days"] == 3  # Fri, Mon, Tue; Sat/Sun excluded
    assert [d["date"] for d in q["excluded"]] == ["2026-12-05", "2026-12-06"]
    assert q["balance_before"] == 7 and q["balance_after"] == 4
    assert q["calendar"] == "PRC" and q["calendar_complete"] is True
    assert count_applications(api) == before


def test_apply_approve_cancel_and_balance(api: Api) -> None:
    r = api.post("/leave/applications", json=leave(MON, FRI, reason="旅行"))
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "open" and app["working_days"] == 5 and app["approver_id"] == "E1002"
    bal = {b["leave_type"]: b for b in api.get("/leave/balances").json()}["annual"]
    assert (bal["allocated"], bal["taken"], bal["pending"], bal["balance"]) == (10, 3, 5, 2)
    assert app["id"] in [a["id"] for a in api.get("/leave/approvals", emp="E1002").json()]
    r = api.post(
        f"/leave/applications/{app['id']}/decision", emp="E1002", json={"approve": True, "reason": "ok"}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["decided_by"] == "E1002"
    bal = {b["leave_type"]: b for b in api.get("/leave/balances").json()}["annual"]
    assert (bal["taken"], bal["pending"], bal["balance"]) == (8, 0, 2)
    # deciding twice is an invalid state
    r = api.post(f"/leave/applications/{app['id']}/decision", emp="E1002", json={"approve": False})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_state"
    # the employee cancels approved future leave: balance restored
    r = api.post(f"/leave/applications/{app['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert {b["leave_type"]: b for b in api.get("/leave/balances").json()}["annual"]["balance"] == 7
    r = api.post(f"/leave/applications/{app['id']}/cancel")
    assert r.json()["error"]["code"] == "invalid_state"


def test_reject(api: Api) -> None:
    app = api.post("/leave/applications", json=leave(MON, MON)).json()
    r = api.post(
        f"/leave/applications/{app['id']}/decision", emp="E1002", json={"approve": False, "reason": "busy"}
    )
    assert r.json()["status"] == "rejected" and r.json()["decision_reason"] == "busy"
    assert {b["leave_type"]: b for b in api.get("/leave/balances").json()}["annual"]["balance"] == 7


def test_insufficient_balance(api: Api) -> None:
    r = api.post("/leave/applications", json=leave("2026-12-01", "2026-12-10"))  # 8 working days > 7
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "insufficient_balance"
    assert err["details"]["requested"] == 8 and err["details"]["available"] == 7
    # the preview refuses with the same code
    assert api.post("/leave/preview", json=leave("2026-12-01", "2026-12-10")).json()["error"]["code"] == (
        "insufficient_balance"
    )


def test_overlap(api: Api) -> None:
    assert api.post("/leave/applications", json=leave(MON, "2026-12-08")).status_code == 201
    r = api.post("/leave/applications", json=leave("2026-12-08", FRI))
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlapping_leave"
    # half days: am and pm of the same day do not overlap
    assert (
        api.post("/leave/applications", json=leave("2026-12-14", "2026-12-14", half_day="am")).status_code
        == 201
    )
    r = api.post("/leave/applications", json=leave("2026-12-14", "2026-12-14", half_day="pm"))
    assert r.status_code == 201 and r.json()["working_days"] == 0.5
    r = api.post("/leave/applications", json=leave("2026-12-14", "2026-12-14", half_day="am"))
    assert r.json()["error"]["code"] == "overlapping_leave"


def test_date_rules(api: Api) -> None:
    r = api.post("/leave/applications", json=leave(FRI, MON))
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_date_range"
    r = api.post("/leave/applications", json=leave("2026-09-01", "2026-09-01"))  # > 30 days ago
    assert r.status_code == 400 and r.json()["error"]["code"] == "backdated_too_far"
    assert r.json()["error"]["details"]["limit_days"] == 30
    # within the backdating limit is fine
    assert api.post("/leave/applications", json=leave("2026-11-02", "2026-11-02")).status_code == 201
    r = api.post("/leave/applications", json=leave("2026-12-05", "2026-12-06"))  # a weekend
    assert r.json()["error"]["code"] == "no_working_days"
    r = api.post("/leave/applications", json=leave("2026-12-28", "2027-01-05"))
    err = r.json()["error"]
    assert err["code"] == "crosses_year_end"
    assert (err["details"]["year_end"], err["details"]["next_year_start"]) == ("2026-12-31", "2027-01-01")


def test_half_days_over_several_days(api: Api) -> None:
    """half_day counts the first day as half: over several days that means starting at noon."""
    r = api.post("/leave/preview", json=leave("2026-12-14", "2026-12-15", half_day="pm"))
    assert r.status_code == 200 and r.json()["working_days"] == 1.5
    r = api.post("/leave/preview", json=leave("2026-12-14", "2026-12-15", half_day="am"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "half_day_not_allowed"


def test_reads_say_what_can_be_cancelled(api: Api) -> None:
    """The cancellation rule lives here; every read says what it allows the reader, so the chat
    offers only that."""
    future = api.post("/leave/applications", json=leave("2026-12-16", "2026-12-16", "personal")).json()
    apps = {a["id"]: a for a in api.get("/leave/applications").json()}
    assert apps[future["id"]]["cancellable"] is True and apps[future["id"]]["cancel_refusal"] is None
    started = next(a for a in apps.values() if a["status"] == "approved" and a["from_date"] < "2026-11-23")
    assert started["cancellable"] is False and started["cancel_refusal"] == "leave_started"
    r = api.post(f"/leave/applications/{started['id']}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "leave_started"
    assert api.get(f"/leave/applications/{future['id']}").json()["cancellable"] is True
    # the manager reads the same request: not theirs to cancel (they reject instead)
    as_manager = api.get(f"/leave/applications/{future['id']}", emp="E1002").json()
    assert as_manager["cancellable"] is False and as_manager["cancel_refusal"] == "forbidden"


def test_types_without_balance_and_maximum(api: Api) -> None:
    types = {t["code"]: t for t in api.get("/leave/types").json()}
    assert types["annual"]["name_zh"] == "年假" and types["annual"]["needs_balance"]
    assert not types["marriage"]["needs_balance"]
    r = api.post("/leave/applications", json=leave(MON, "2026-12-09", "marriage"))
    assert r.status_code == 201
    r = api.post("/leave/applications", json=leave("2026-12-14", FRI.replace("11", "18"), "marriage"))
    assert r.json()["error"]["code"] == "exceeds_maximum"
    r = api.post("/leave/applications", json=leave(MON, MON, "no-such-type"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_malformed_input_is_422_and_changes_nothing(api: Api) -> None:
    before = count_applications(api)
    for body in (
        {"leave_type": "annual", "from_date": "not-a-date", "to_date": MON},
        {"leave_type": "annual", "from_date": MON},
        {"leave_type": "annual", "from_date": MON, "to_date": MON, "half_day": "noon"},
        {"leave_type": "annual", "from_date": MON, "to_date": MON, "unexpected": 1},
        [],
    ):
        r = api.post("/leave/applications", json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "validation_error"
    assert count_applications(api) == before
    assert api.get("/leave/applications/abc").status_code == 422


def test_us_calendar_for_us_office(api: Api) -> None:
    q = api.post("/leave/preview", emp="E1007", json=leave("2026-11-23", "2026-11-27")).json()
    assert q["calendar"] == "US" and q["working_days"] == 4
    assert q["excluded"][0]["holiday_en"] == "Thanksgiving Day"


def test_holiday_preview_national_day(templates: object, tmp_path: object) -> None:
    """With "today" in September 2025, a leave over National Day counts only the make-up days."""
    from pathlib import Path

    url = f"sqlite:///{Path(str(tmp_path)) / 'sept.db'}"
    with TestClient(create_app(make_settings(url, today=date(2025, 9, 15)))) as client:
        r = client.post("/leave/preview", headers=headers("E1001"), json=leave("2025-09-28", "2025-10-11"))
        assert r.status_code == 200, r.text
        q = r.json()
        assert q["working_days"] == 6
        assert [d["date"] for d in q["makeup_workdays"]] == ["2025-09-28", "2025-10-11"]
        assert {d["holiday_zh"] for d in q["excluded"] if d["kind"] == "holiday"} == {"国庆节、中秋节"}
