"""The HR desk in real browsers (Debian's Chromium via Playwright) against the REAL gateway and the
REAL personnel backend (seeded demo organisation), all over HTTP.

HR (E1003) works a case on the inbox page in English and in Chinese while the employee (E1001)
has the widget open in another browser context: the reply arrives as an unread badge, then in the
conversation, a question arrives live, the employee answers with "Answer HR" and the answer is on
the case. Rasa is the stand-in of tests/connectors/servers.py (not involved in this flow). The
README screenshot is written to docs/ when HRBOT_UPDATE_SCREENSHOTS=1, otherwise to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.conftest import REPO, SERVICE_TOKEN, make_settings
from tests.connectors.servers import RecordingRasa, ServerThread

CHROMIUM = os.environ.get("HRBOT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    ),
]
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS = REPO / "docs"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def backend(personnel: ServerThread, method: str, path: str, employee: str, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": employee, "X-Channel": "web"}
    return httpx.request(method, personnel.url + path, headers=headers, timeout=10, **kw)


@pytest.fixture
def desk_settings(tmp_path: Path, rasa: RecordingRasa, personnel: ServerThread) -> ConnectorSettings:
    return make_settings(
        tmp_path,
        rasa.url,
        personnel_url=personnel.url,
        personnel_service_token=SERVICE_TOKEN,
        hrbot_case_poll_s=0.3,
    )


@pytest.fixture
def gw(desk_settings: ConnectorSettings) -> Iterator[ServerThread]:
    from connectors.web.app import create_app

    with ServerThread(create_app(desk_settings)) as server:
        yield server


def test_desk_api_is_for_hr_only(gw: ServerThread, desk_settings: ConnectorSettings) -> None:
    def auth(emp: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_dev_token(emp, desk_settings)}"}

    assert httpx.get(gw.url + "/api/admin/cases").status_code == 401
    for emp in ("E1001", "E1002"):
        r = httpx.get(gw.url + "/api/admin/cases", headers=auth(emp))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert httpx.get(gw.url + "/api/admin/cases", headers=auth("E1003")).status_code == 200
    assert httpx.get(gw.url + "/api/cases").status_code == 401
    r = httpx.post(gw.url + "/api/cases/1/messages", headers=auth("E1001"), json={"text": ""})
    assert r.status_code == 422


def test_hr_works_a_case_and_the_employee_sees_and_answers_in_the_widget(
    gw: ServerThread, personnel: ServerThread
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a loaded 2-core machine answers slower than expect's 5 s default

    subject = "How much relocation allowance do we get?"
    transcript = f"User: {subject}\nUser: call me on 13812345678\nBot: I couldn't find that."
    made = backend(
        personnel,
        "POST",
        "/cases",
        "E1001",
        json={"subject": subject, "transcript": transcript, "language": "en"},
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    # the backend is shared by the session: start with nothing unread for E1001
    for case in backend(personnel, "GET", "/me/cases", "E1001").json():
        if case["unread"]:
            backend(personnel, "POST", f"/me/cases/{case['id']}/read", "E1001")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = DOCS if os.environ.get("HRBOT_UPDATE_SCREENSHOTS") == "1" else ARTIFACTS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            hr_ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
            hr_ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1003", "url": gw.url}])
            hr = hr_ctx.new_page()
            hr.set_default_timeout(20_000)
            emp_ctx = browser.new_context(viewport={"width": 1100, "height": 820}, locale="en-GB")
            emp_ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1001", "url": gw.url}])
            emp = emp_ctx.new_page()
            emp.set_default_timeout(20_000)

            # the employee is on the intranet page, chat closed
            emp.goto(gw.url + "/")
            w = emp.locator("#hrbot-widget")
            expect(w.locator(".launcher")).to_be_visible()
            expect(w.locator(".launcher .badge")).to_be_hidden()

            # HR's inbox: the new case, unassigned, with where/which language/how old
            hr.goto(gw.url + "/admin/cases")
            expect(hr.locator("#whoami")).to_have_text("Signed in as E1003 (HR administrator).")
            row = hr.locator("#cases tr", has_text=subject)
            expect(row).to_contain_text("Open")
            expect(row).to_contain_text("Web widget")
            expect(row).to_contain_text("English")
            expect(row).to_contain_text(re.compile(r"\d+ min"))
            expect(row).to_contain_text("Unassigned")
            expect(row).to_contain_text("needs reply")
            hr.get_by_role("button", name="Unassigned").click()
            expect(hr.locator("#cases tr", has_text=subject)).to_be_visible()
            hr.get_by_role("searchbox").fill("no such words anywhere")
            hr.get_by_role("button", name="Search", exact=True).click()
            expect(hr.locator("#list-msg")).to_have_text("No cases here.")
            hr.get_by_role("searchbox").fill("relocation")
            hr.get_by_role("button", name="Search", exact=True).click()
            hr.get_by_role("link", name=subject).click()

            # the case: masked transcript, take it, reply
            expect(hr.locator("#case-title")).to_have_text(f"Case #{cid}: {subject}")
            expect(hr.locator("#transcript")).to_contain_text("[phone]")
            expect(hr.locator("#transcript")).not_to_contain_text("13812345678")
            hr.get_by_role("button", name="Take").click()
            expect(hr.locator("#case-msg")).to_have_text("Assigned to you.")
            expect(hr.locator("#case-status")).to_have_text("In progress")
            hr.get_by_label("Your message").fill(
                "Hello from HR: the allowance is paid with your first salary."
            )
            hr.get_by_role("button", name="Send").click()
            expect(hr.locator("#case-msg")).to_have_text("Sent: the employee gets it in the chat they used.")
            expect(hr.locator("#thread .m-reply")).to_contain_text("not read yet")

            # the employee: an unread badge arrives live; opening the chat shows the reply
            expect(w.locator(".launcher .badge")).to_have_text("1")
            w.locator(".launcher").click()
            hr_msg = w.locator(".msg.hr", has_text=f"case #{cid}")
            expect(hr_msg).to_contain_text(f"HR replied · case #{cid}")
            expect(hr_msg).to_contain_text("the allowance is paid with your first salary")
            mine = backend(personnel, "GET", "/me/cases", "E1001").json()
            assert next(c for c in mine if c["id"] == cid)["unread"] == 0

            # while the chat is open, HR asks for information: it appears without a reload
            hr.get_by_label("Your message").fill("Which city are you moving to?")
            hr.get_by_label("Send as").select_option("request_info")
            hr.get_by_role("button", name="Send").click()
            expect(hr.locator("#case-status")).to_have_text("Waiting on employee")
            asked = w.locator(".msg.hr.ask", has_text=f"case #{cid}")
            expect(asked).to_contain_text("Which city are you moving to?")
            asked.get_by_role("button", name="Answer HR").click()
            expect(w.locator(".reply-bar")).to_have_text(re.compile(f"goes to HR \\(case #{cid}\\)"))
            box = w.get_by_label("Your message")
            box.fill("To Shenzhen, in January")
            box.press("Enter")
            expect(w.locator(".msg.system").last).to_have_text(f"Sent to HR on case #{cid}.")
            expect(w.locator(".reply-bar")).to_be_hidden()
            emp.screenshot(path=str(ARTIFACTS / "widget-hr-reply.png"))

            # ... and the answer is on the case, which is HR's turn again
            hr.reload()
            expect(hr.locator("#thread .m-answer")).to_contain_text("To Shenzhen, in January")
            expect(hr.locator("#case-status")).to_have_text("In progress")
            hr.get_by_role("button", name="Mine").click()
            expect(hr.locator("#cases tr").filter(has_not_text="Chen Jing (E1003)")).to_have_count(0)
            expect(hr.locator("#cases tr", has_text=subject)).to_contain_text("needs reply")
            hr.screenshot(path=str(shots / "case-inbox.png"), full_page=True)

            # the same page in Chinese
            hr.get_by_role("button", name="切换到中文").click()
            expect(hr.locator("h1")).to_have_text("工单")
            expect(hr.locator("#case-status")).to_have_text("处理中")
            expect(hr.locator("#cases tr", has_text=subject)).to_contain_text("待回复")
            expect(hr.locator("#cases tr", has_text=subject)).to_contain_text("网页助手")
            expect(hr.locator("#thread .m-answer")).to_contain_text("员工")
            hr.get_by_role("button", name="解决", exact=True).click()
            expect(hr.locator("#case-msg")).to_have_text("工单已解决。")
            expect(hr.locator("#case-status")).to_have_text("已解决")
            hr.get_by_role("button", name="已解决", exact=True).click()
            expect(hr.locator("#cases tr", has_text=subject)).to_be_visible()
            hr.get_by_role("button", name="重新打开", exact=True).click()
            expect(hr.locator("#case-status")).to_have_text("处理中")
            hr.screenshot(path=str(ARTIFACTS / "case-inbox-zh.png"), full_page=True)

            # an employee is refused the page
            other = browser.new_context()
            other.add_cookies([{"name": "hrbot_demo_user", "value": "E1001", "url": gw.url}])
            op = other.new_page()
            op.goto(gw.url + "/admin/cases")
            expect(op.locator("#whoami")).to_have_text(
                "Signed in as E1001, who is not an HR administrator: access denied."
            )
            expect(op.locator("#desk")).to_be_hidden()
        finally:
            browser.close()

    thread = backend(personnel, "GET", f"/cases/{cid}/detail", "E1003").json()["thread"]
    assert [(m["kind"], m["author_id"]) for m in thread] == [
        ("reply", "E1003"),
        ("request_info", "E1003"),
        ("answer", "E1001"),
    ]
