"""The HR desk end to end with the REAL processes (backend, actions, Rasa, gateway) and real
browsers (Debian's Chromium via Playwright): an employee asks for HR in the widget, HR replies on
the admin page, the employee sees the reply in the widget, answers, and the answer is on the case.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hrbot import paths
from tests.stack import Stack

CHROMIUM = os.environ.get("HRBOT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.stack,
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    ),
]
ARTIFACTS = paths.ROOT / "tests" / "artifacts"
TIMEOUT_MS = 60_000
REPLY = "Relocation within China: 5,000 CNY, paid with your next salary."
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def test_handoff_in_the_widget_reply_on_the_desk_answer_back(stack: Stack) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # a loaded 2-core machine answers slower than expect's 5 s default

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            emp = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US").new_page()
            emp.set_default_timeout(TIMEOUT_MS)
            emp.goto(stack.gateway_url + "/")
            emp.get_by_label("E1001 — employee / 员工").check()
            w = emp.locator("#hrbot-widget")
            w.locator(".launcher").click()
            expect(w.locator(".who")).to_have_text("Signed in as E1001")
            bot = w.locator(".msg.bot")

            def say(text: str, expected: str | re.Pattern[str]) -> None:
                box = w.get_by_label("Your message")
                box.fill(text)
                box.press("Enter")
                expect(bot.filter(has_text=expected).last).to_be_visible()

            # two questions the handbook does not answer, then the hand-off the assistant offers
            say("what is the deductible of the dental plan for 2026?", "couldn't find")
            say("how much relocation allowance do we get when moving city?", "pass your question to HR")
            w.get_by_role("button", name="Yes, ask HR").last.click()
            done = bot.filter(has_text=re.compile(r"opened HR case #\d+")).last
            expect(done).to_be_visible()
            case_id = int(re.search(r"#(\d+)", done.inner_text()).group(1))  # type: ignore[union-attr]
            w.get_by_role("button", name="Close chat").click()

            # HR finds the case on the desk, with the conversation, and replies
            hr_ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
            hr_ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1003", "url": stack.gateway_url}])
            hr = hr_ctx.new_page()
            hr.set_default_timeout(TIMEOUT_MS)
            hr.goto(stack.gateway_url + "/admin/cases")
            row = hr.locator("#cases tr", has_text=f"#{case_id}")
            expect(row).to_contain_text("relocation allowance")
            expect(row).to_contain_text("Web widget")
            row.get_by_role("link").click()
            expect(hr.locator("#transcript")).to_contain_text("dental plan")
            hr.get_by_label("Your message").fill(REPLY)
            hr.get_by_role("button", name="Send").click()
            expect(hr.locator("#case-msg")).to_contain_text("Sent")

            # the employee: a badge on the closed chat, the reply when it opens; then answers back
            expect(w.locator(".launcher .badge")).to_have_text("1")
            w.locator(".launcher").click()
            reply = w.locator(".msg.hr").last
            expect(reply).to_contain_text(f"case #{case_id}")
            expect(reply).to_contain_text("5,000 CNY")
            reply.get_by_role("button", name="Reply to HR").click()
            box = w.get_by_label("Your message")
            box.fill("Thanks! Does it cover my family too?")
            box.press("Enter")
            expect(w.locator(".msg.system").last).to_have_text(f"Sent to HR on case #{case_id}.")
            emp.screenshot(path=str(ARTIFACTS / "hrdesk-e2e-widget.png"))

            # the answer is on the case for HR, and nothing went to the assistant instead
            hr.reload()
            expect(hr.locator("#thread .m-answer")).to_contain_text("Does it cover my family too?")
            hr.screenshot(path=str(ARTIFACTS / "hrdesk-e2e-desk.png"), full_page=True)
        finally:
            browser.close()

    case = stack.backend_get(f"/cases/{case_id}/detail", "E1003")
    assert case["employee"]["id"] == "E1001" and case["channel"] == "web"
    assert [(m["kind"], m["body"]) for m in case["thread"]] == [
        ("reply", REPLY),
        ("answer", "Thanks! Does it cover my family too?"),
    ]
    assert case["thread"][0]["read_at"] is not None
