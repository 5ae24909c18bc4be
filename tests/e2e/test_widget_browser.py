"""The widget in a real browser (Debian's Chromium via Playwright) in front of the REAL assistant:
sign in as E1001 on the demo page, get a cited policy answer and complete a leave request, in
English and in Chinese, then check the backend holds exactly those requests. Screenshots go to
tests/artifacts/ (gitignored)."""

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


def sick_leave(stack: Stack) -> dict[tuple[str, str], dict]:
    apps = stack.backend_get("/leave/applications", "E1001")
    return {(a["from_date"], a["half_day"] or ""): a for a in apps if a["leave_type"] == "sick"}


def test_cited_answer_and_leave_request_in_both_languages(stack: Stack) -> None:
    from playwright.sync_api import expect, sync_playwright

    before = sick_leave(stack)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(stack.gateway_url + "/")
            w = page.locator("#hrbot-widget")
            page.get_by_label("E1001 — employee / 员工").check()
            w.locator(".launcher").click()
            expect(w.locator(".who")).to_have_text("Signed in as E1001")
            bot = w.locator(".msg.bot")

            def say(text: str, expected: str | re.Pattern[str]) -> None:
                count = bot.count()
                box = w.locator("#hrbot-input")
                box.fill(text)
                box.press("Enter")
                expect(bot.nth(count)).to_be_visible()
                expect(bot.filter(has_text=expected).last).to_be_visible()

            def press(title: str, expected: str | re.Pattern[str]) -> None:
                w.get_by_role("button", name=title, exact=True).last.click()
                expect(bot.filter(has_text=expected).last).to_be_visible()

            # English: a cited answer, then sick leave for a morning
            say("How many days of annual leave do I get after 12 years of service?", "10")
            expect(w.locator(".citations a").last).to_have_attribute("href", re.compile("/knowledge/source/"))
            say("I want to apply for sick leave", "Which dates")
            say("December 28 morning", "Working days counted: 0.5")
            say("dentist", "Reason: dentist")  # a reason typed at the preview: shown again with it
            press("Yes, submit", re.compile(r"Submitted\. Request #\d+"))
            page.screenshot(path=str(ARTIFACTS / "widget-e2e-en.png"))

            # Chinese: the language switch, a cited answer, sick leave for an afternoon
            w.get_by_role("button", name="切换到中文").click()
            say("婚假有几天？", "3")
            expect(w.locator(".citations a").last).to_have_text(re.compile("休假制度"))
            say("我要请病假", "哪几天")
            say("12月29日下午", "计入工作日：0.5 天")
            say("看病", "事由：看病")
            press("确认", re.compile(r"已提交。申请编号 #\d+"))
            page.screenshot(path=str(ARTIFACTS / "widget-e2e-zh.png"))
        finally:
            browser.close()

    created = {k: v for k, v in sick_leave(stack).items() if k not in before}
    assert set(created) == {("2026-12-28", "am"), ("2026-12-29", "pm")}, created
    assert created[("2026-12-28", "am")]["reason"] == "dentist"
    assert created[("2026-12-29", "pm")]["reason"] == "看病"
    assert all(a["status"] == "open" and a["working_days"] == 0.5 for a in created.values())
