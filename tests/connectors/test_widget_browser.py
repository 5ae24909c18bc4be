"""The embeddable widget in a real browser (Debian's Chromium via Playwright).

Loads the demo intranet page served by the real gateway, signs in as E1001, chats with the Rasa
STAND-IN (tests/connectors/servers.py: records what the gateway sent, scripted replies), and checks
rendering, escaping (no XSS), persistence across reloads, the language switch and the phone layout.
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hrbot.identity import verify_identity
from tests.connectors.conftest import IDENTITY_SECRET, REPO, make_settings
from tests.connectors.servers import RecordingRasa, ServerThread

CHROMIUM = os.environ.get("HRBOT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    ),
]
ARTIFACTS = REPO / "tests" / "artifacts"
XSS = "<img src=x onerror=alert(1)>"


def scripted(body: dict[str, Any]) -> list[dict[str, Any]]:
    text = body["message"]
    lang = body["metadata"]["hrbot"]["lang"]
    if text == "/choose_annual":
        return [{"text": "Annual leave: you have 10 days left."}]
    if "onerror" in text:
        return [
            {"text": f"You wrote: {text}"},
            {
                "custom": {
                    "citations": [
                        {"title": XSS, "section": "<b>1</b>", "source": "x.md", "url": "javascript:alert(2)"}
                    ],
                    "list": [XSS, {"name": "<script>alert(3)</script>"}],
                }
            },
        ]
    if lang == "zh":
        return [{"text": "年假为每年 15 天。"}]
    return [
        {
            "text": "Employees get 15 days of annual leave per year.\nUnused days carry over until March.",
            "custom": {
                "citations": [
                    {"title": "Leave policy", "section": "2.1 Annual leave", "source": "policies/leave.md"},
                    {
                        "title": "Handbook",
                        "section": "",
                        "source": "handbook.pdf",
                        "url": "https://intranet.example/handbook.pdf",
                    },
                ]
            },
        },
        {
            "text": "What would you like to do?",
            "buttons": [
                {"title": "Check my balance", "payload": "/choose_annual"},
                {"title": "Apply for leave", "payload": "/apply_leave"},
            ],
        },
    ]


@pytest.fixture
def live(tmp_path: Path, rasa: RecordingRasa) -> Iterator[tuple[ServerThread, RecordingRasa]]:
    from connectors.web.app import create_app

    rasa.responder = scripted
    with ServerThread(create_app(make_settings(tmp_path, rasa.url))) as gw:
        yield gw, rasa


def test_widget_end_to_end(live: tuple[ServerThread, RecordingRasa]) -> None:
    from playwright.sync_api import expect, sync_playwright

    gw, rasa = live
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 820}, locale="en-US")
            page = ctx.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(gw.url + "/")
            w = page.locator("#hrbot-widget")

            # sign in as E1001 through the demo page, then open the chat
            page.get_by_label("E1001 — employee / 员工").check()
            expect(page.locator("#status")).to_have_text("Signed in as E1001.")
            w.locator(".launcher").click()
            expect(w.locator(".who")).to_have_text("Signed in as E1001")
            expect(w.get_by_label("Your message")).to_be_focused()
            expect(w.locator("[role=log]")).to_have_attribute("aria-live", "polite")

            # send with Enter; text, citations and buttons render
            w.get_by_label("Your message").fill("What is the annual leave policy?")
            w.get_by_label("Your message").press("Enter")
            expect(w.locator(".msg.bot .text").filter(has_text="15 days of annual leave")).to_be_visible()
            link = w.get_by_role("link", name="Leave policy — 2.1 Annual leave")
            expect(link).to_have_attribute("href", gw.url + "/knowledge/source/policies/leave.md")
            expect(link).to_have_attribute("rel", "noopener noreferrer")
            expect(w.get_by_role("link", name="Handbook")).to_have_attribute(
                "href", "https://intranet.example/handbook.pdf"
            )
            sent = rasa.last()
            assert sent["sender"] == "web:E1001" and sent["metadata"]["hrbot"]["lang"] == "en"
            assert (
                verify_identity(sent["metadata"]["hrbot"]["identity"], IDENTITY_SECRET).employee_id == "E1001"
            )

            # quick reply: shows the title, sends the payload, disables the group
            w.get_by_role("button", name="Check my balance").click()
            expect(w.locator(".msg.user .text").last).to_have_text("Check my balance")
            expect(w.locator(".msg.bot .text").last).to_have_text("Annual leave: you have 10 days left.")
            assert rasa.last()["message"] == "/choose_annual"
            expect(w.get_by_role("button", name="Apply for leave")).to_be_disabled()

            # XSS in the user's message and in everything the bot sends back is shown as text
            w.get_by_label("Your message").fill(XSS)
            w.get_by_role("button", name="Send").click()
            expect(w.locator(".msg.bot .text").filter(has_text="You wrote:")).to_have_text(
                f"You wrote: {XSS}"
            )
            expect(w.locator(".msg.user .text").last).to_have_text(XSS)
            expect(w.locator(".list li").first).to_have_text(XSS)
            expect(w.locator(".citations a").last).to_have_text(XSS + " — <b>1</b>")
            href = w.locator(".citations a").last.get_attribute("href")
            assert href == gw.url + "/knowledge/source/x.md"  # javascript: url dropped
            page.wait_for_timeout(300)
            assert w.locator("img").count() == 0 and w.locator("script").count() == 0
            assert page.locator("img").count() == 0
            assert dialogs == []

            page.screenshot(path=str(ARTIFACTS / "widget.png"))

            # reload keeps the transcript (same person)
            count = w.locator(".msg").count()
            page.reload()
            expect(w.locator(".msg.bot .text").filter(has_text="15 days of annual leave")).to_be_visible()
            expect(w.locator(".msg")).to_have_count(count)
            expect(w.locator(".panel")).to_be_visible()

            # language switch: UI strings and the lang sent to Rasa
            w.get_by_role("button", name="切换到中文").click()
            expect(w.locator(".title")).to_have_text("HR 助手")
            expect(w.get_by_label("输入消息")).to_be_visible()
            w.get_by_label("输入消息").fill("年假有多少天？")
            w.get_by_label("输入消息").press("Enter")
            expect(w.locator(".msg.bot .text").last).to_have_text("年假为每年 15 天。")
            assert rasa.last()["metadata"]["hrbot"]["lang"] == "zh"
            page.screenshot(path=str(ARTIFACTS / "widget-zh.png"))
            w.get_by_role("button", name="Switch to English").click()

            # Telegram link code
            w.get_by_role("button", name="Link Telegram").click()
            expect(w.locator(".msg.system .code")).to_have_text(__import__("re").compile(r"^[A-Z2-9]{8}$"))

            # switching to a guest clears the previous person's conversation; guests keep a session id
            page.get_by_label("Anonymous (guest) / 访客").check()
            expect(w.locator(".who")).to_have_text("Guest")
            expect(w.locator(".msg")).to_have_count(1)  # only the welcome
            expect(w.get_by_role("button", name="Link Telegram")).to_be_hidden()
            w.get_by_label("Your message").fill("hello")
            w.get_by_label("Your message").press("Enter")
            expect(w.locator(".msg.bot")).to_have_count(3)
            first_sender = rasa.last()["sender"]
            assert (
                first_sender.startswith("web:anon:") and rasa.last()["metadata"]["hrbot"]["identity"] is None
            )
            page.reload()
            w.get_by_label("Your message").fill("again")
            w.get_by_label("Your message").press("Enter")
            expect(w.locator(".msg.bot")).to_have_count(5)
            assert rasa.last()["sender"] == first_sender

            # phone layout: the panel fills the screen, nothing overflows horizontally
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
            )
            pp = phone.new_page()
            pp.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            pp.context.add_cookies([{"name": "hrbot_demo_user", "value": "E1001", "url": gw.url}])
            pp.goto(gw.url + "/")
            pw = pp.locator("#hrbot-widget")
            pw.locator(".launcher").click()
            expect(pw.locator(".who")).to_have_text("已登录：E1001")  # zh from the browser language
            pw.get_by_role("button", name="Switch to English").click()
            pw.get_by_label("Your message").fill("What is the annual leave policy?")
            pw.get_by_label("Your message").press("Enter")
            expect(pw.get_by_role("button", name="Check my balance")).to_be_visible()
            box = pw.locator(".panel").bounding_box()
            assert box is not None and box["width"] == 390 and box["x"] == 0
            assert pp.evaluate("document.documentElement.scrollWidth") <= 390
            pp.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
            assert dialogs == []
        finally:
            browser.close()


def _launch(p: Any) -> Any:
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def test_admin_page(tmp_path: Path, rasa: RecordingRasa, personnel: ServerThread, knowledge: Any) -> None:
    """HR admin uploads, sees the document, tries a question, deletes it; employees are refused."""
    from playwright.sync_api import expect, sync_playwright

    from connectors.web.app import create_app
    from tests.connectors.conftest import SERVICE_TOKEN

    settings = make_settings(
        tmp_path, rasa.url, personnel_url=personnel.url, personnel_service_token=SERVICE_TOKEN
    )
    app = create_app(settings)
    app.state.knowledge = knowledge
    doc = tmp_path / "browser-expenses.md"
    doc.write_text("# Expenses policy\n\n## Taxis\n\nTaxi fares after 21:00 are reimbursed up to 100 CNY.\n")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with ServerThread(app) as gw, sync_playwright() as p:
        browser = _launch(p)
        try:
            ctx = browser.new_context(viewport={"width": 1100, "height": 900})
            ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1003", "url": gw.url}])
            page = ctx.new_page()
            page.on("dialog", lambda d: d.accept())
            page.goto(gw.url + "/admin")
            expect(page.locator("#whoami")).to_have_text("Signed in as E1003 (HR administrator).")
            page.set_input_files("#file", str(doc))
            page.get_by_role("button", name="Upload").click()
            expect(page.locator("#upload-msg")).to_contain_text("Indexed browser-expenses.md", timeout=60000)
            row = page.locator("#docs tr").filter(has_text="browser-expenses.md")
            expect(row).to_have_count(1)
            page.get_by_label("Question:").fill("Are taxi fares reimbursed?")
            page.get_by_role("button", name="Ask").click()
            expect(page.locator("#ask-result .answer")).to_contain_text("100 CNY", timeout=60000)
            expect(page.locator("#ask-result .sources")).to_contain_text("browser-expenses.md")
            page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)
            page.get_by_role("button", name="Delete browser-expenses.md").click()
            expect(row).to_have_count(0)

            other = browser.new_context()
            other.add_cookies([{"name": "hrbot_demo_user", "value": "E1001", "url": gw.url}])
            op = other.new_page()
            op.goto(gw.url + "/admin")
            expect(op.locator("#whoami")).to_contain_text("not an HR administrator")
            expect(op.locator("#admin")).to_be_hidden()
        finally:
            browser.close()
