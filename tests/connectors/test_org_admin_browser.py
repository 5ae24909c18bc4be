"""The organisation import and calendars on the admin page, in a real browser against the REAL
personnel backend: a dry run reports what would change, a file with one bad row shows that row and
writes nothing, the import shows its progress and summary, and the missing calendar year is listed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.servers import RecordingRasa, ServerThread
from tests.personnel.import_samples import rows, write_xlsx

CHROMIUM = os.environ.get("HRBOT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ServerThread]:
    from personnel.app.core.config import Settings
    from personnel.app.main import create_app

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'p.db'}",
        service_token=SERVICE_TOKEN,
        PERSONNEL_TODAY="2026-11-23",
    )
    with ServerThread(create_app(settings, seed=True)) as server:
        yield server


def test_hr_imports_an_organisation_on_the_admin_page(
    tmp_path: Path, rasa: RecordingRasa, backend: ServerThread
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from connectors.web.app import create_app

    settings = make_settings(
        tmp_path, rasa.url, personnel_url=backend.url, personnel_service_token=SERVICE_TOKEN
    )
    good = write_xlsx(tmp_path / "acme.xlsx")
    bad = write_xlsx(tmp_path / "acme-bad.xlsx", rows({("employees", 2): {"hire_date": "2020-02-31"}}))
    with ServerThread(create_app(settings)) as gw, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            ctx = browser.new_context(viewport={"width": 1100, "height": 1000})
            ctx.add_cookies([{"name": "hrbot_demo_user", "value": "E1003", "url": gw.url}])
            page = ctx.new_page()
            page.goto(gw.url + "/admin")
            expect(page.locator("#org-admin")).to_be_visible()
            prc = page.locator("#cal-rows tr").filter(has_text="PRC")
            expect(prc.locator("td.missing")).to_have_text("2027")

            page.set_input_files("#org-files", str(bad))
            page.select_option("#org-lang", "zh")
            page.click("#org-import")
            expect(page.locator("#org-summary")).to_contain_text("未写入任何数据")
            err = page.locator("#org-errors tr").first
            expect(err).to_contain_text("acme-bad.xlsx")
            expect(err).to_contain_text("Hire date")
            expect(err).to_contain_text("不是日期")
            h = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": "E1003"}
            assert httpx.get(f"{backend.url}/employees/A0001", headers=h).status_code == 404

            page.set_input_files("#org-files", str(good))
            page.select_option("#org-lang", "en")
            page.click("#org-check")
            expect(page.locator("#org-summary")).to_contain_text("Dry run")
            expect(page.locator("#org-counts tr").filter(has_text="employees")).to_contain_text("4")
            page.click("#org-import")
            expect(page.locator("#org-summary")).to_contain_text("Imported")
            expect(page.locator("#org-progress")).to_be_visible()
            expect(page.locator("#org-phase")).to_contain_text("Done")
            assert httpx.get(f"{backend.url}/employees/A0001", headers=h).json()["name_zh"] == "周敏"

            # a request in the unpublished year, then HR publishes the year on the page
            mine = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Acting-Employee": "E1001"}
            leave = {"leave_type": "annual", "from_date": "2027-01-01", "to_date": "2027-01-05"}
            created = httpx.post(f"{backend.url}/leave/applications", json=leave, headers=mine)
            assert created.status_code == 201 and created.json()["working_days"] == 3, created.text
            page.fill("#cal-year", "2027")
            page.click("#cal-load")
            expect(page.locator("#cal-msg")).to_have_text("Not published yet")
            lines = "2027-01-01 2027-01-03 New Year's Day | 元旦\nwork 2027-02-06 Make-up day | 补班"
            page.fill("#cal-lines", lines)
            page.fill("#cal-source", "State Council notice 2027")
            page.click("#cal-publish")
            expect(page.locator("#cal-msg")).to_contain_text("1 pending requests recounted")
            expect(prc.locator("td").nth(1)).to_contain_text("2027 (State Council notice 2027)")
            expect(prc.locator("td.missing")).to_have_count(0)
            again = httpx.get(f"{backend.url}/leave/applications/{created.json()['id']}", headers=mine).json()
            assert again["working_days"] == 2
            page.screenshot(path=str(tmp_path / "org-admin.png"), full_page=True)
        finally:
            browser.close()
