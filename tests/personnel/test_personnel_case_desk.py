"""The HR desk over the backend's HTTP API: states, thread, access, audit, masking, outbox.

E1001 is an employee, E1003 the HR admin of the demo organisation (E1002 is E1001's manager).
"""

from __future__ import annotations

from typing import Any

from personnel_testkit import Api
from sqlalchemy import select
from sqlalchemy.orm import Session

from personnel.app.db import make_engine
from personnel.app.models import Notification


def _case(api: Api, emp: str | None = "E1001", subject: str = "relocation", transcript: str = "") -> int:
    r = api.post("/cases", emp, json={"subject": subject, "transcript": transcript, "language": "en"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _audit(api: Api, entity: str, entity_id: int) -> list[dict[str, Any]]:
    r = api.get(f"/audit?entity={entity}&entity_id={entity_id}", "E1003")
    assert r.status_code == 200, r.text
    return r.json()


def _notices(url: str, kind: str = "case_reply") -> list[Notification]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.scalars(select(Notification).where(Notification.kind == kind)))
    engine.dispose()
    return rows


def test_hr_takes_asks_hears_back_resolves_and_reopens(api: Api) -> None:
    cid = _case(api)
    inbox = api.get("/cases/desk?view=unassigned", "E1003").json()
    row = next(c for c in inbox if c["id"] == cid)
    assert row["status"] == "open" and row["assignee"] is None and row["needs_reply"]
    assert row["employee"]["id"] == "E1001" and row["employee"]["name_zh"]

    taken = api.post(f"/cases/{cid}/take", "E1003").json()
    assert taken["status"] == "in_progress" and taken["assignee"]["id"] == "E1003"
    assert cid in [c["id"] for c in api.get("/cases/desk?view=mine", "E1003").json()]
    assert cid not in [c["id"] for c in api.get("/cases/desk?view=unassigned", "E1003").json()]

    question = {"text": "Which city are you moving to?", "kind": "request_info"}
    ask = api.post(f"/cases/{cid}/messages", "E1003", json=question)
    assert ask.status_code == 201, ask.text
    assert api.get(f"/cases/{cid}/detail", "E1003").json()["status"] == "waiting_employee"
    note = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "check with payroll", "kind": "note"})
    assert note.status_code == 201

    # the employee sees the question (not the internal note), unread, and answers
    mine = next(c for c in api.get("/me/cases", "E1001").json() if c["id"] == cid)
    assert [m["body"] for m in mine["thread"]] == ["Which city are you moving to?"]
    assert mine["unread"] == 1 and mine["awaiting_answer"]
    assert api.get("/me/cases/pulse", "E1001").json() == {"latest_message_id": ask.json()["id"], "unread": 1}
    assert api.post(f"/me/cases/{cid}/read", "E1001").json()["unread"] == 0
    answer = api.post(f"/cases/{cid}/messages", "E1001", json={"text": "To Shenzhen"})
    assert answer.status_code == 201 and answer.json()["kind"] == "answer"

    detail = api.get(f"/cases/{cid}/detail", "E1003").json()
    assert detail["status"] == "in_progress" and detail["needs_reply"]
    assert [m["kind"] for m in detail["thread"]] == ["request_info", "note", "answer"]

    reply = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "You get 5000 CNY."})
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    resolved = api.post(f"/cases/{cid}/resolve", "E1003").json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert cid not in [c["id"] for c in api.get("/cases/desk?view=open", "E1003").json()]
    assert cid in [c["id"] for c in api.get("/cases/desk?view=resolved", "E1003").json()]
    refused = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "one more thing"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "case_resolved"
    assert api.post(f"/cases/{cid}/reopen", "E1003").json()["status"] == "in_progress"

    # one notice per HR message to the employee (the note is not one), in the outbox
    notices = _notices(api.url)
    assert sorted(n.params["text"] for n in notices if n.params["case_id"] == cid) == [
        "Which city are you moving to?",
        "You get 5000 CNY.",
    ]
    assert all(n.employee_id == "E1001" and n.dedupe_key.startswith("case_reply:") for n in notices)
    # the employee is told once that HR resolved it; resolving again after the reopen tells again
    told = [n.employee_id for n in _notices(api.url, "case_resolved") if n.params["case_id"] == cid]
    assert told == ["E1001"]
    assert api.post(f"/cases/{cid}/resolve", "E1003").status_code == 200
    again = [n for n in _notices(api.url, "case_resolved") if n.params["case_id"] == cid]
    assert len(again) == 2 and again[0].params["subject"] == "relocation"

    actions = [a["action"] for a in _audit(api, "hr_case", cid)]
    for expected in ("case.create", "case.take", "case.update", "case.read", "case.resolve", "case.reopen"):
        assert expected in actions, actions
    assert len(_audit(api, "case_message", answer.json()["id"])) == 1


def test_only_hr_works_the_desk_and_employees_see_only_their_own(api: Api) -> None:
    cid = _case(api)
    for path in ("/cases/desk", f"/cases/{cid}/detail"):
        r = api.get(path, "E1001")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    for action in ("take", "resolve"):
        assert api.post(f"/cases/{cid}/{action}", "E1001").status_code == 403
    assert api.post(f"/cases/{cid}/messages", "E1001", json={"text": "x", "kind": "note"}).status_code == 403
    # another employee can neither read nor answer E1001's case, nor see it among theirs
    assert api.get(f"/cases/{cid}", "E1002").status_code == 403
    assert api.post(f"/cases/{cid}/messages", "E1002", json={"text": "hi"}).status_code == 403
    assert cid not in [c["id"] for c in api.get("/me/cases", "E1002").json()]
    # HR cannot answer in the employee's name
    r = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "x", "kind": "answer"})
    assert r.status_code == 403
    assert api.get(f"/cases/{cid}/detail", "E1003").json()["thread"] == []


def test_anonymous_case_takes_notes_but_no_reply(api: Api) -> None:
    cid = _case(api, emp=None)
    r = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "hello"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "anonymous_case"
    note = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "no contact", "kind": "note"})
    assert note.status_code == 201


def test_bad_input_changes_nothing(api: Api) -> None:
    cid = _case(api)
    for body in ({"text": ""}, {"text": "x" * 5001}, {"text": "hi", "kind": "shout"}, {"text": "hi", "x": 1}):
        assert api.post(f"/cases/{cid}/messages", "E1003", json=body).status_code == 422
    assert api.get("/cases/desk?view=everything", "E1003").status_code == 422
    assert api.post("/cases/999999/take", "E1003").status_code == 404
    assert api.get(f"/cases/{cid}/detail", "E1003").json()["thread"] == []
    assert api.post(f"/cases/{cid}/reopen", "E1003").json()["error"]["code"] == "not_resolved"


def test_search_by_words_person_and_number(api: Api) -> None:
    a = _case(api, subject="dental plan deductible")
    b = _case(api, subject="parking permit", transcript="User: can I park at the north gate?")
    api.post(f"/cases/{b}/messages", "E1003", json={"text": "Ask facilities about the garage"})

    def found(q: str) -> set[int]:
        r = api.get("/cases/desk", "E1003", params={"view": "all", "q": q})
        assert r.status_code == 200, r.text
        return {c["id"] for c in r.json()}

    assert a in found("DENTAL") and b not in found("dental")
    assert b in found("north gate") and b in found("garage")
    assert {a, b} <= found("E1001")
    assert found(f"#{a}") == {a}
    assert found("%") == set() and found("_") == set()  # literal, not wildcards


def test_transcripts_and_answers_are_stored_masked(api: Api) -> None:
    transcript = (
        "User: my id is 110101199003071234 and phone 138 1234 5678\n"
        "Bot: Your salary: 12,345.00 CNY\nUser: mail me at li.na@example.com"
    )
    cid = _case(api, transcript=transcript)
    stored = api.get(f"/cases/{cid}/detail", "E1003").json()["transcript"]
    for secret in ("110101199003071234", "1234 5678", "12,345.00", "li.na@example.com"):
        assert secret not in stored, stored
    assert "[national id]" in stored and "[phone]" in stored and "[amount]" in stored
    api.post(f"/cases/{cid}/messages", "E1001", json={"text": "my card is 6222020200112233445"})
    thread = api.get(f"/cases/{cid}/detail", "E1003").json()["thread"]
    assert thread[-1]["body"] == "my card is [number]"


def test_a_retried_reply_is_added_once(api: Api) -> None:
    cid = _case(api)
    for _ in range(2):
        r = api.post(f"/cases/{cid}/messages", "E1003", json={"text": "On it"}, key="reply-1")
        assert r.status_code == 201
    assert len(api.get(f"/cases/{cid}/detail", "E1003").json()["thread"]) == 1
    assert len([n for n in _notices(api.url) if n.params["case_id"] == cid]) == 1
