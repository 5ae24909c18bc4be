"""The typed client against the real running service (uvicorn subprocess), and real concurrency:
20 simultaneous requests cannot overdraw a balance or overfill a session (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from personnel_testkit import TOKEN, LiveServer, Templates, free_port, headers, run_server

from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

pytestmark = pytest.mark.asyncio(loop_scope="function")


def client(live: LiveServer, emp: str | None = "E1001", channel: str = "web") -> PersonnelClient:
    return PersonnelClient(live.base_url, TOKEN, acting_employee=emp, channel=channel, timeout=15)


async def test_typed_client_end_to_end(live: LiveServer) -> None:
    async with client(live) as pc, client(live, "E1002") as boss:
        me = await pc.me()
        assert me.employee.id == "E1001" and me.employee.name_zh == "李娜" and not me.is_manager
        assert (await pc.get_employee("E1001")).sensitive_visible
        assert {t.code for t in await pc.leave_types()} >= {"annual", "sick", "marriage"}
        annual = next(b for b in await pc.leave_balances() if b.leave_type == "annual")
        assert annual.balance == 7
        quote = await pc.preview_leave("annual", date(2026, 12, 4), date(2026, 12, 8))
        assert quote.working_days == 3 and quote.balance_after == 4
        leave = await pc.apply_leave(
            "annual", date(2026, 12, 7), date(2026, 12, 8), reason="trip", idempotency_key="conv-1-turn-3"
        )
        again = await pc.apply_leave(
            "annual", date(2026, 12, 7), date(2026, 12, 8), reason="trip", idempotency_key="conv-1-turn-3"
        )
        assert again.id == leave.id and leave.status == "open"
        assert [x.id for x in await pc.list_leave(status="open")] == [leave.id]
        assert (await pc.get_leave(leave.id)).working_days == 2
        assert leave.id in [x.id for x in await boss.pending_approvals()]
        decided = await boss.decide_leave(leave.id, approve=True, reason="enjoy")
        assert decided.status == "approved" and decided.decided_by == "E1002"
        assert (await pc.cancel_leave(leave.id)).status == "cancelled"

        assert (await pc.profile()).id == "E1001"
        assert (await pc.job_history())[0].employee_id == "E1001"
        assert (await pc.contract()).contract_type in ("fixed_term", "open_ended")
        assert any(r.course_code == "COMP-001" for r in await pc.training_history())
        assert (await pc.training_progress()).required_hours == 24
        courses = await pc.search_courses("数据分析", date(2026, 12, 1), date(2026, 12, 31))
        assert courses and all(c.sessions for c in courses)
        course = await pc.get_course(courses[0].id)
        assert course.code == courses[0].code
        session_id = next(s.id for c in courses if c.code == "DA-201" for s in c.sessions)
        e = await pc.enrol(session_id, idempotency_key="enrol-1")
        assert e.status == "enrolled" and (await pc.enrol(session_id, idempotency_key="enrol-1")).id == e.id
        assert e.id in [x.id for x in await pc.my_enrolments()]
        assert (await pc.withdraw(e.id)).status == "withdrawn"
        case = await pc.create_case("Need help", "user: ...", "zh", idempotency_key="case-1")
        assert case.employee_id == "E1001" and case.language == "zh"

        with pytest.raises(PersonnelError) as err:
            await pc.apply_leave("annual", date(2026, 12, 1), date(2026, 12, 31))
        assert err.value.code == "insufficient_balance" and err.value.status == 409
        assert err.value.details["available"] == 7
        with pytest.raises(PersonnelError) as err:
            await pc.get_employee("E1004")
        assert err.value.code == "not_your_report"
        with pytest.raises(PersonnelError) as err:
            await pc.decide_leave(999999, approve=True)
        assert err.value.code == "not_found" and err.value.status == 404

    async with client(live, None) as anon:
        case = await anon.create_case("Anonymous", "user: ...", "en")
        assert case.employee_id is None
        with pytest.raises(PersonnelError) as err:
            await anon.me()
        assert err.value.code == "identity_required"
    async with PersonnelClient(live.base_url, "bad-token", "E1001", "web") as bad:
        with pytest.raises(PersonnelError) as err:
            await bad.me()
        assert err.value.status == 401 and err.value.code == "unauthorized"


async def test_unavailable_service_raises_after_retries() -> None:
    pc = PersonnelClient(f"http://127.0.0.1:{free_port()}", TOKEN, "E1001", "web", timeout=1, retries=2)
    async with pc:
        with pytest.raises(PersonnelUnavailable):
            await pc.me()
        with pytest.raises(PersonnelUnavailable):
            await pc.apply_leave("annual", date(2026, 12, 7), date(2026, 12, 7))


async def _fire(n: int, make: object) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=n)) as http:
        return await asyncio.gather(*(make(http, i) for i in range(n)))  # type: ignore[operator]


async def test_concurrent_applications_cannot_overdraw(live: LiveServer) -> None:
    """20 simultaneous single-day applications from E1001, who has 7 days left: exactly 7 succeed."""
    days = []
    d = date(2026, 12, 1)
    while len(days) < 20:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(1)
    h = headers("E1001")

    async def make(http: httpx.AsyncClient, i: int) -> httpx.Response:
        body = {"leave_type": "annual", "from_date": days[i].isoformat(), "to_date": days[i].isoformat()}
        return await http.post(f"{live.base_url}/leave/applications", json=body, headers=h)

    responses = await _fire(20, make)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 7, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all(r.json()["error"]["code"] == "insufficient_balance" for r in responses if r.status_code == 409)
    bal = httpx.get(f"{live.base_url}/leave/balances", headers=h).json()
    assert next(b for b in bal if b["leave_type"] == "annual")["balance"] == 0


async def test_concurrent_enrolments_cannot_overfill(live: LiveServer) -> None:
    courses = httpx.get(f"{live.base_url}/training/courses", headers=headers("E1001")).json()
    one_seat = next(s for c in courses for s in c["sessions"] if s["capacity"] == 1)
    no_waitlist = next(s for c in courses for s in c["sessions"] if not s["waitlist_enabled"])
    people = [f"E{1001 + i}" for i in range(20)]

    async def make_for(session_id: int) -> object:
        async def make(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.post(
                f"{live.base_url}/training/enrolments",
                json={"session_id": session_id},
                headers=headers(people[i]),
            )

        return make

    res = await _fire(20, await make_for(one_seat["id"]))
    statuses = sorted(r.json().get("status", r.json().get("error", {}).get("code")) for r in res)
    assert statuses.count("enrolled") == 1 and statuses.count("waitlisted") == 19, statuses
    positions = sorted(r.json()["waitlist_position"] for r in res if r.json().get("status") == "waitlisted")
    assert positions == list(range(1, 20))

    res = await _fire(20, await make_for(no_waitlist["id"]))
    ok = [r for r in res if r.status_code == 201]
    assert len(ok) == 2 and all(r.json()["status"] == "enrolled" for r in ok)
    assert all(r.json()["error"]["code"] == "session_full" for r in res if r.status_code != 201)


async def test_concurrent_retries_with_one_key_create_once(live: LiveServer) -> None:
    h = {**headers("E1001"), "Idempotency-Key": "same-key"}
    body = {"leave_type": "annual", "from_date": "2026-12-07", "to_date": "2026-12-07"}

    async def make(http: httpx.AsyncClient, i: int) -> httpx.Response:
        return await http.post(f"{live.base_url}/leave/applications", json=body, headers=h)

    res = await _fire(10, make)
    assert {r.status_code for r in res} == {201}, [r.text for r in res]
    assert len({r.json()["id"] for r in res}) == 1
    listed = httpx.get(f"{live.base_url}/leave/applications?status=open", headers=headers("E1001")).json()
    assert len(listed) == 1


async def test_two_processes_on_one_sqlite_file_cannot_overdraw(templates: Templates) -> None:
    """Two service processes share a SQLite file: BEGIN IMMEDIATE serializes their writers."""
    url = templates.fresh("sqlite")
    with run_server(url) as a, run_server(url) as b:
        days = []
        d = date(2026, 12, 1)
        while len(days) < 20:
            if d.weekday() < 5:
                days.append(d)
            d += timedelta(1)
        h = headers("E1001")

        async def make(http: httpx.AsyncClient, i: int) -> httpx.Response:
            base = (a, b)[i % 2].base_url
            body = {"leave_type": "annual", "from_date": days[i].isoformat(), "to_date": days[i].isoformat()}
            return await http.post(f"{base}/leave/applications", json=body, headers=h)

        responses = await _fire(20, make)
        assert sorted(r.status_code for r in responses).count(201) == 7, [r.text for r in responses]
        bal = httpx.get(f"{a.base_url}/leave/balances", headers=h).json()
        assert next(x for x in bal if x["leave_type"] == "annual")["balance"] == 0
