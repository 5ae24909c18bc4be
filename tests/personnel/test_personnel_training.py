"""Training: catalogue search, enrolment, waitlist promotion, prerequisites, clashes, progress."""

from __future__ import annotations

from typing import Any

from personnel_testkit import Api


def code(r: Any) -> str:
    return r.json()["error"]["code"]


def session_of(api: Api, course_code: str, **match: Any) -> dict[str, Any]:
    course = next(c for c in api.get(f"/training/courses?q={course_code}").json() if c["code"] == course_code)
    return next(s for s in course["sessions"] if all(s[k] == v for k, v in match.items()))


def test_search_bilingual_and_by_dates(api: Api) -> None:
    zh = {c["code"] for c in api.get("/training/courses?q=数据分析").json()}
    en = {c["code"] for c in api.get("/training/courses?q=data analysis").json()}
    assert {"DA-101", "DA-102", "DA-103", "DA-201"} <= zh and zh == en
    # the way people ask: "... courses" / "...课程" / "...相关的培训"
    for q in ("data analysis courses", "数据分析课程", "数据分析相关的培训", "Data Analysis training"):
        assert {c["code"] for c in api.get(f"/training/courses?q={q}").json()} == zh, q
    # next month (December 2026) only
    dec = api.get("/training/courses?q=数据分析&date_from=2026-12-01&date_to=2026-12-31").json()
    assert dec and all("2026-12-01" <= s["start_date"] <= "2026-12-31" for c in dec for s in c["sessions"])
    assert all(c["sessions"] for c in dec)
    assert {c["code"] for c in api.get("/training/courses?topic=compliance").json()} == {
        "COMP-001",
        "COMP-002",
        "COMP-003",
    }
    assert api.get("/training/courses?q=领导力").json()[0]["category"] == "leadership"
    assert api.get("/training/courses?q=zzzz-nothing").json() == []
    assert len(api.get("/training/courses").json()) == 20
    c = api.get("/training/courses?q=DA-102").json()[0]
    assert c["prerequisites"] == ["DA-101"] and c["title_zh"] == "Python数据分析"
    assert api.get(f"/training/courses/{c['id']}").json()["code"] == "DA-102"
    assert code(api.get("/training/courses/99999")) == "not_found"


def test_enrol_waitlist_and_promotion(api: Api) -> None:
    seat = session_of(api, "SW-101", capacity=1)
    assert seat["enrolled_count"] == 0 and seat["seats_left"] == 1
    a = api.post("/training/enrolments", json={"session_id": seat["id"]})
    assert a.status_code == 201 and a.json()["status"] == "enrolled"
    assert code(api.post("/training/enrolments", json={"session_id": seat["id"]})) == "already_enrolled"
    b = api.post("/training/enrolments", emp="E1002", json={"session_id": seat["id"]}).json()
    c = api.post("/training/enrolments", emp="E1004", json={"session_id": seat["id"]}).json()
    assert (b["status"], b["waitlist_position"]) == ("waitlisted", 1)
    assert (c["status"], c["waitlist_position"]) == ("waitlisted", 2)
    # someone else cannot withdraw E1001
    assert code(api.post(f"/training/enrolments/{a.json()['id']}/withdraw", emp="E1002")) == "forbidden"
    r = api.post(f"/training/enrolments/{a.json()['id']}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    mine = {e["session_id"]: e for e in api.get("/training/enrolments", emp="E1002").json()}
    assert mine[seat["id"]]["status"] == "enrolled"  # promoted from the waitlist
    theirs = {e["session_id"]: e for e in api.get("/training/enrolments", emp="E1004").json()}
    assert theirs[seat["id"]]["waitlist_position"] == 1
    audit = api.get(f"/audit?entity=enrolment&entity_id={b['id']}", emp="E1003").json()
    assert audit[0]["action"] == "training.promote_from_waitlist" and audit[0]["actor_id"] == "E1001"
    # withdrawing again is an invalid state, and reads say so; re-enrolling joins the back of the waitlist
    assert code(api.post(f"/training/enrolments/{a.json()['id']}/withdraw")) == "invalid_state"
    mine = {e["id"]: e for e in api.get("/training/enrolments").json()}
    assert mine[a.json()["id"]]["withdrawable"] is False
    assert mine[a.json()["id"]]["withdraw_refusal"] == "invalid_state"
    assert any(e["withdrawable"] for e in mine.values() if e["status"] in ("enrolled", "waitlisted"))
    again = api.post("/training/enrolments", json={"session_id": seat["id"]}).json()
    assert again["status"] == "waitlisted" and again["waitlist_position"] == 2


def test_session_full_without_waitlist(api: Api) -> None:
    s = session_of(api, "FIN-101")
    assert not s["waitlist_enabled"] and s["capacity"] == 2
    for emp in ("E1001", "E1002"):
        assert (
            api.post("/training/enrolments", emp=emp, json={"session_id": s["id"]}).json()["status"]
            == "enrolled"
        )
    r = api.post("/training/enrolments", emp="E1004", json={"session_id": s["id"]})
    assert r.status_code == 409 and code(r) == "session_full"


def test_prerequisites(api: Api) -> None:
    s = session_of(api, "DA-102")
    r = api.post("/training/enrolments", emp="E1005", json={"session_id": s["id"]})
    details = r.json()["error"]["details"]
    assert code(r) == "prerequisite_missing" and details["missing"] == ["DA-101"]
    # the courses named, so the chat can say which one to take first
    [course] = details["missing_courses"]
    assert course == {
        "code": "DA-101",
        "title_en": "Data Analysis Fundamentals with Excel",
        "title_zh": "Excel数据分析基础",
    }
    assert details["course"]["code"] == "DA-102"
    # E1001 completed DA-101 in June
    assert api.post("/training/enrolments", json={"session_id": s["id"]}).json()["status"] == "enrolled"


def test_clash_with_approved_leave(api: Api) -> None:
    s = session_of(api, "DA-101", capacity=20)
    leave = api.post(
        "/leave/applications",
        json={"leave_type": "annual", "from_date": s["start_date"], "to_date": s["end_date"]},
    ).json()
    # open leave does not block; approved leave does
    api.post(f"/leave/applications/{leave['id']}/decision", emp="E1002", json={"approve": True})
    r = api.post("/training/enrolments", json={"session_id": s["id"]})
    assert (
        r.status_code == 409
        and code(r) == "leave_clash"
        and r.json()["error"]["details"]["leave_id"] == leave["id"]
    )


def test_enrolment_closed_for_past_sessions(api: Api) -> None:
    past = next(
        s for c in api.get("/training/courses?q=COMP-001&date_from=2026-01-01").json() for s in c["sessions"]
    )
    r = api.post("/training/enrolments", emp="E1050", json={"session_id": past["id"]})
    assert code(r) == "enrolment_closed"
    assert code(api.post("/training/enrolments", json={"session_id": 999999})) == "not_found"


def test_a_session_id_out_of_range_is_a_validation_error(api: Api) -> None:
    """An id no database integer can hold (found by the schemathesis run: a 500 on SQLite) is
    refused as invalid input, like an out-of-range id in a path, and enrols nobody."""
    before = api.get("/training/enrolments").json()
    for bad in (2**63, -(2**63) - 1, 2**31, 0):
        r = api.post("/training/enrolments", json={"session_id": bad})
        assert r.status_code == 422, (bad, r.status_code, r.text[:200])
    assert api.get("/training/enrolments").json() == before


def test_nearly_full_session_then_waitlist(api: Api) -> None:
    s = session_of(api, "DA-103")
    assert (s["capacity"], s["enrolled_count"]) == (10, 9)
    assert api.post("/training/enrolments", json={"session_id": s["id"]}).json()["status"] == "enrolled"
    assert (
        api.post("/training/enrolments", emp="E1002", json={"session_id": s["id"]}).json()["status"]
        == "waitlisted"
    )


def test_progress_and_history(api: Api) -> None:
    p = api.get("/training/progress").json()
    assert p["required_hours"] == 24 and p["completed_hours"] == 10  # COMP-001 2h + DA-101 8h
    assert p["remaining_hours"] == 14 and "COMP-001" not in p["mandatory_outstanding"]
    assert "COMP-003" in p["mandatory_outstanding"] and p["planned_hours"] == 3
    hist = api.get("/records/training").json()
    assert {h["course_code"] for h in hist if h["status"] == "completed"} == {"COMP-001", "DA-101"}
    # HR records attendance; the hours count
    s = session_of(api, "WB-101")
    e = api.post("/training/enrolments", json={"session_id": s["id"]}).json()
    assert code(api.post(f"/training/enrolments/{e['id']}/complete")) == "forbidden"
    assert api.post(f"/training/enrolments/{e['id']}/complete", emp="E1003").json()["status"] == "completed"
    assert api.get("/training/progress").json()["completed_hours"] == 13
    assert api.get("/records/job-history").json()[0]["change_type"] == "hire"
    assert api.get("/records/contract").json()["employee_id"] == "E1001"


def test_leave_preview_warns_about_enrolled_training(api: Api) -> None:
    s = session_of(api, "COMP-003")  # E1001 is enrolled (seed)
    q = api.post(
        "/leave/preview",
        json={"leave_type": "annual", "from_date": s["start_date"], "to_date": s["end_date"]},
    ).json()
    assert [c["course_code"] for c in q["training_clashes"]] == ["COMP-003"]
    q = api.post(
        "/leave/preview",
        emp="E1004",
        json={"leave_type": "annual", "from_date": s["start_date"], "to_date": s["end_date"]},
    ).json()
    assert q["training_clashes"] == []
