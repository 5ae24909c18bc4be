"""Organisation admin API for HR (``/api/admin/org/...``): spreadsheet import with progress, calendars.

The gateway only checks the HR role (as the knowledge admin does) and relays to the personnel
backend, which validates, imports, publishes and audits; the page is ``/admin`` (static/import.js).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import structlog
from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import JSONResponse

from connectors.web.admin import require_hr_admin
from connectors.web.auth import ApiError

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/admin/org", tags=["organisation admin"])
MAX_UPLOAD = 200 * 1024 * 1024


def _segment(value: str, limit: int) -> str:
    """A path parameter as one URL segment of the backend's URL (whatever characters it holds)."""
    return quote(value[:limit], safe="")


async def _relay(request: Request, employee_id: str, method: str, path: str, **kwargs: Any) -> JSONResponse:
    settings = request.app.state.settings
    headers = {
        "Authorization": f"Bearer {settings.personnel_service_token}",
        "X-Acting-Employee": employee_id,
        "X-Channel": "web",
    }
    try:
        async with httpx.AsyncClient(base_url=settings.personnel_url, timeout=120) as client:
            r = await client.request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        log.warning("org_admin_backend_unavailable", error=str(exc))
        raise ApiError(503, "personnel_unavailable", "the personnel system is unreachable; retry") from exc
    try:
        body = r.json()
    except ValueError:
        body = {"error": {"code": "bad_gateway", "message": r.text[:200]}}
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]  # the gateway's error shape: {"error": {"code", "message"}}
        body = {
            "error": {"code": err.get("code"), "message": err.get("message"), "details": err.get("details")}
        }
    return JSONResponse(body, status_code=r.status_code)


@router.post("/imports")
async def start_import(
    request: Request,
    files: list[UploadFile],
    dry_run: bool = False,
    partial: bool = False,
    lang: str = "en",
    employee_id: str = Depends(require_hr_admin),
) -> JSONResponse:
    """Upload CSV/XLSX files; answers with an import job to follow (GET .../imports/{id})."""
    parts = []
    size = 0
    for f in files:
        data = await f.read()
        size += len(data)
        if size > MAX_UPLOAD:
            raise ApiError(413, "too_large", "the upload is too large")
        parts.append(("files", (f.filename or "upload.csv", data, "application/octet-stream")))
    params = {
        "dry_run": str(dry_run).lower(),
        "partial": str(partial).lower(),
        "lang": "zh" if lang == "zh" else "en",
    }
    return await _relay(request, employee_id, "POST", "/imports", files=parts, params=params)


@router.get("/imports/{job_id}")
async def import_status(
    request: Request, job_id: str, employee_id: str = Depends(require_hr_admin)
) -> JSONResponse:
    return await _relay(request, employee_id, "GET", f"/imports/{_segment(job_id, 40)}")


@router.get("/calendars")
async def calendars(request: Request, employee_id: str = Depends(require_hr_admin)) -> JSONResponse:
    """Calendars with their published years (and source) and the years still missing."""
    return await _relay(request, employee_id, "GET", "/calendars")


@router.get("/calendars/{code}/{year}")
async def calendar_year(
    request: Request, code: str, year: int, employee_id: str = Depends(require_hr_admin)
) -> JSONResponse:
    return await _relay(request, employee_id, "GET", f"/calendars/{_segment(code, 20)}/{year}")


@router.put("/calendars/{code}/{year}")
async def publish_year(
    request: Request, code: str, year: int, employee_id: str = Depends(require_hr_admin)
) -> JSONResponse:
    """Publish a year edited on the page; pending leave in it is recounted and its owners told."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise ApiError(400, "validation_error", "the request body must be JSON") from exc
    return await _relay(request, employee_id, "PUT", f"/calendars/{_segment(code, 20)}/{year}", json=body)
