"""Knowledge admin API: the access rule against the REAL personnel backend (role from GET /me) and
the REAL knowledge base (temporary Chroma store), all over HTTP.

Anonymous → 401, employee (E1001) and manager (E1002) → 403, HR admin (E1003) → 200.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.settings import ConnectorSettings
from connectors.web.tokens import issue_dev_token
from tests.connectors.conftest import SERVICE_TOKEN, make_settings
from tests.connectors.servers import RecordingRasa, ServerThread, free_port

LEAVE_MD = b"# Leave policy\n\n## Annual leave\n\nEmployees get 15 days of annual leave per year.\n"


@pytest.fixture
def admin_settings(tmp_path: Path, rasa: RecordingRasa, personnel: ServerThread) -> ConnectorSettings:
    return make_settings(
        tmp_path,
        rasa.url,
        personnel_url=personnel.url,
        personnel_service_token=SERVICE_TOKEN,
        hrbot_admin_max_upload_mb=0.01,
        knowledge_docs_dirs="",
    )


@pytest.fixture
def admin_gw(admin_settings: ConnectorSettings, knowledge: Any) -> Iterator[ServerThread]:
    from connectors.web.app import create_app

    app = create_app(admin_settings)
    app.state.knowledge = knowledge
    with ServerThread(app) as server:
        yield server


def auth(settings: ConnectorSettings, employee_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(employee_id, settings)}"}


def test_role_check_against_real_backend(personnel: ServerThread, admin_settings: ConnectorSettings) -> None:
    import asyncio

    from connectors.web.roles import is_hr_admin

    async def roles() -> list[bool]:
        return [await is_hr_admin(e, admin_settings) for e in ("E1001", "E1002", "E1003", "E9999")]

    assert asyncio.run(roles()) == [False, False, True, False]


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("GET", "/api/admin/knowledge/documents", {}),
        ("POST", "/api/admin/knowledge/documents", {"files": {"file": ("a.md", b"# A\n\ntext")}}),
        ("PUT", "/api/admin/knowledge/documents/a.md", {"files": {"file": ("a.md", b"# A\n\ntext")}}),
        ("DELETE", "/api/admin/knowledge/documents/a.md", {}),
        ("POST", "/api/admin/knowledge/ask", {"json": {"question": "annual leave?"}}),
    ],
)
def test_access_rule(
    admin_gw: ServerThread, admin_settings: ConnectorSettings, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    url = admin_gw.url + path
    assert httpx.request(method, url, **kwargs).status_code == 401
    for employee in ("E1001", "E1002"):
        r = httpx.request(method, url, headers=auth(admin_settings, employee), **kwargs)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
    bad = {"Authorization": "Bearer not-a-token"}
    assert httpx.request(method, url, headers=bad, **kwargs).status_code == 401


def test_admin_me(admin_gw: ServerThread, admin_settings: ConnectorSettings) -> None:
    r = httpx.get(admin_gw.url + "/api/admin/me", headers=auth(admin_settings, "E1003"))
    assert r.json() == {"employee_id": "E1003", "is_hr_admin": True}
    r = httpx.get(admin_gw.url + "/api/admin/me", headers=auth(admin_settings, "E1001"))
    assert r.json() == {"employee_id": "E1001", "is_hr_admin": False}


def test_hr_admin_curates_documents(admin_gw: ServerThread, admin_settings: ConnectorSettings) -> None:
    h = auth(admin_settings, "E1003")
    base = admin_gw.url + "/api/admin/knowledge"
    assert httpx.get(f"{base}/documents", headers=h).status_code == 200

    r = httpx.post(
        f"{base}/documents",
        headers=h,
        files={"file": ("conn-leave.md", LEAVE_MD, "text/markdown")},
        timeout=120,
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["source"] == "conn-leave.md" and doc["chunks"] >= 1 and len(doc["version"]) == 12
    assert doc["indexed_at"]

    listed = httpx.get(f"{base}/documents", headers=h).json()["documents"]
    assert "conn-leave.md" in [d["source"] for d in listed]

    # same name without replace → 409; replace → new version
    r = httpx.post(f"{base}/documents", headers=h, files={"file": ("conn-leave.md", LEAVE_MD)})
    assert r.status_code == 409
    r = httpx.put(
        f"{base}/documents/conn-leave.md",
        headers=h,
        files={"file": ("x.md", LEAVE_MD.replace(b"15", b"18"))},
        timeout=120,
    )
    assert r.status_code == 200 and r.json()["version"] != doc["version"]

    r = httpx.post(
        f"{base}/ask",
        headers=h,
        json={"question": "How many days of annual leave?", "lang": "en"},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "18" in body["answer"] and body["sources"][0]["source"] == "conn-leave.md"

    # citation link opens the uploaded document (as plain text)
    r = httpx.get(f"{admin_gw.url}/knowledge/source/conn-leave.md")
    assert (
        r.status_code == 200
        and r.headers["content-type"].startswith("text/plain")
        and b"18 days" in r.content
    )
    assert httpx.get(f"{admin_gw.url}/knowledge/source/../../etc/passwd").status_code == 404

    r = httpx.delete(f"{base}/documents/conn-leave.md", headers=h)
    assert r.status_code == 200 and r.json()["removed_chunks"] >= 1
    assert httpx.delete(f"{base}/documents/conn-leave.md", headers=h).status_code == 404
    assert httpx.get(f"{admin_gw.url}/knowledge/source/conn-leave.md").status_code == 404


@pytest.mark.parametrize(
    "name, content, status, code",
    [
        ("payroll.exe", b"MZ...", 415, "unsupported_type"),
        ("notes.xlsx", b"PK\x03\x04", 415, "unsupported_type"),
        ("fake.pdf", b"<html>not a pdf</html>", 415, "unsupported_type"),
        ("fake.docx", b"plain text", 415, "unsupported_type"),
        ("empty.md", b"   \n", 422, "empty_file"),
        ("big.txt", b"x" * 20000, 413, "file_too_large"),
        ("latin1.txt", "café".encode("latin-1"), 415, "unsupported_type"),
    ],
)
def test_upload_rejections(
    admin_gw: ServerThread,
    admin_settings: ConnectorSettings,
    name: str,
    content: bytes,
    status: int,
    code: str,
) -> None:
    r = httpx.post(
        admin_gw.url + "/api/admin/knowledge/documents",
        headers=auth(admin_settings, "E1003"),
        files={"file": (name, content)},
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_backend_down_fails_closed(tmp_path: Path, rasa: RecordingRasa, knowledge: Any) -> None:
    from connectors.web.app import create_app

    settings = make_settings(
        tmp_path,
        rasa.url,
        personnel_url=f"http://127.0.0.1:{free_port()}",
        personnel_service_token=SERVICE_TOKEN,
    )
    app = create_app(settings)
    app.state.knowledge = knowledge
    with ServerThread(app) as gw:
        r = httpx.get(gw.url + "/api/admin/knowledge/documents", headers=auth(settings, "E1003"), timeout=30)
    assert r.status_code == 503 and r.json()["error"]["code"] == "personnel_unavailable"
