"""Notices in the web widget, in a real browser (Debian's Chromium via Playwright) against the REAL
gateway and the REAL personnel backend over HTTP; the notifier's delivery runs in-process (the real
``Notifier`` with the web inbox channel). Rasa is the stand-in of tests/connectors/servers.py: it
echoes what the widget sends, which shows the notice's button sent the chat's own payload.

A report's leave request waits for the manager (E1002): the closed widget shows an unread badge;
opened, the notice is in the conversation with why she gets it and Approve / Reject; the badge
goes and the backend has it read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.servers import RecordingRasa, ServerThread

CHROMIUM = os.environ.get("HRBOT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    ),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture
def gw_settings(tmp_path: Path, rasa: RecordingRasa, personnel: ServerThread) -> ConnectorSettings:
    return make_settings(
        tmp_path, rasa.url, personnel_url=personnel.url, personnel_service_token=SERVICE_TOKEN
    )


@pytest.fixture
def gw(gw_settings: ConnectorSettings) -> Iterator[ServerThread]:
    from connectors.web.app import create_app

    with ServerThread(create_app(gw_settings)) as server:
        yield server


def deliver_to_web_inbox(personnel: ServerThread) -> int:
    """What `hrbot serve notifier` does, in-process: every due notice to the web inbox."""
    from connectors.notify.channels.web import WebInbox
    from connectors.notify.settings import NotifierSettings
    from connectors.notify.worker import Notifier
    from personnel.app.db import make_engine

    settings = personnel.server.config.app.state.settings.model_copy(
        update={"notify_quiet_hours": "", "notify_daily_cap": 0}
    )
    notifier = Notifier(
        make_engine(settings.database_url), settings, NotifierSettings(_env_file=None), [WebInbox()]
    )
    try:
        return notifier.drain()
    finally:
        notifier.close()


def test_a_waiting_request_shows_as_a_notice_in_the_widget(
    gw: ServerThread, gw_settings: ConnectorSettings, personnel: ServerThread, rasa: RecordingRasa
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": "E1001", "X-Channel": "web"}
    body = {"leave_type": "annual", "from_date": "2027-02-08", "to_date": "2027-02-08"}
    r = httpx.post(personnel.url + "/leave/applications", headers=headers, json=body, timeout=10)
    if r.status_code == 409:  # the session's backend may already hold this day
        body = {"leave_type": "annual", "from_date": "2027-02-09", "to_date": "2027-02-09"}
        r = httpx.post(personnel.url + "/leave/applications", headers=headers, json=body, timeout=10)
    assert r.status_code == 201, r.text
    leave_id = r.json()["id"]
    assert deliver_to_web_inbox(personnel) >= 1

    manager = {"Authorization": f"Bearer {issue_dev_token('E1002', gw_settings)}"}
    inbox: dict[str, Any] = httpx.get(gw.url + "/api/notices?unread=true", headers=manager, timeout=10).json()
    waiting = [n for n in inbox["notices"] if n["kind"] != "case_reply"]
    (notice,) = [n for n in waiting if n["params"].get("leave_id") == leave_id]
    approve = notice["buttons"][0]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1100, "height": 820}, locale="en-GB")
            ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1002", "url": gw.url}])
            page = ctx.new_page()
            page.set_default_timeout(20_000)
            page.goto(gw.url + "/")
            w = page.locator("#hrbot-widget")
            expect(w.locator(".launcher .badge")).to_have_text(str(len(waiting)))
            w.locator(".launcher").click()
            shown = w.locator(".msg.notice", has_text=f"#{leave_id}")
            expect(shown).to_be_visible()
            expect(shown.locator(".notice-title")).to_have_text(notice["title"])
            expect(shown).to_contain_text(notice["reason"])
            # the notice's button sends the chat's own payload (the stand-in echoes it)
            shown.get_by_role("button", name=approve["title"]).click()
            expect(w.locator(".msg", has_text=f"echo: {approve['payload']}")).to_be_visible()
            assert rasa.last()["message"] == approve["payload"]
            expect(w.locator(".launcher .badge")).to_be_hidden()
        finally:
            browser.close()
    after = httpx.get(gw.url + "/api/notices?unread=true", headers=manager, timeout=10).json()
    assert [n for n in after["notices"] if n["kind"] != "case_reply"] == []
