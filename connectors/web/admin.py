"""Knowledge admin API for HR curators (``/api/admin/knowledge/...``; the page is ``/admin``).

Only HR admins (as decided by the personnel backend) may upload, replace, delete or test documents;
anonymous callers get 401, other employees 403. The work itself is done by
``knowledge.api.KnowledgeBase``; this module only checks access, validates files and translates.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import structlog
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from connectors.settings import ConnectorSettings
from connectors.web.auth import ApiError, rate_limit, required_user
from connectors.web.models import ErrorResponse
from connectors.web.roles import RoleCheckUnavailable, is_hr_admin

log = structlog.get_logger(__name__)

ALLOWED_SUFFIXES = {".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".txt"}
_SAFE_PART = re.compile(r"^[\w\u4e00-\u9fff][\w\u4e00-\u9fff .()+-]{0,150}$")

router = APIRouter(
    prefix="/api/admin",
    tags=["knowledge admin"],
    responses={
        401: {"model": ErrorResponse},
        403: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    },
)


class DocumentOut(BaseModel):
    source: str
    title: str | None = None
    version: Any = None
    chunks: int | None = None
    indexed_at: datetime | str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class DocumentList(BaseModel):
    documents: list[DocumentOut]


class RemoveResult(BaseModel):
    source: str
    removed_chunks: int


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    lang: str | None = Field(default=None, pattern="^(en|zh)$")


class AskResult(BaseModel):
    answer: str
    confident: bool
    sources: list[Any]


class AdminMe(BaseModel):
    employee_id: str
    is_hr_admin: bool


def _settings(request: Request) -> ConnectorSettings:
    return request.app.state.settings


async def require_hr_admin(request: Request, employee_id: str = Depends(required_user)) -> str:
    """401 for anonymous (via required_user), 403 for non-admins, 503 if the backend is down."""
    try:
        admin = await is_hr_admin(employee_id, _settings(request))
    except RoleCheckUnavailable as exc:
        raise ApiError(
            503, "personnel_unavailable", "cannot verify your role right now; try again later"
        ) from exc
    if not admin:
        log.info("admin_forbidden", employee_id=employee_id, path=request.url.path)
        raise ApiError(403, "forbidden", "only HR administrators may manage the knowledge base")
    return employee_id


def _to_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def _first(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if d.get(k) is not None:
            return d[k]
    return None


def document_out(info: Any) -> DocumentOut:
    """Map the knowledge base's DocumentInfo (whatever its exact field names) to the API model."""
    d = _to_dict(info)
    if d.get("version") is None and getattr(info, "version", None) is not None:
        d["version"] = info.version  # DocumentInfo.version is a property (short content hash)
    known = {
        "source",
        "source_name",
        "title",
        "version",
        "chunks",
        "chunk_count",
        "n_chunks",
        "indexed_at",
        "last_indexed",
        "updated_at",
    }
    return DocumentOut(
        source=str(_first(d, "source", "source_name") or ""),
        title=_first(d, "title"),
        version=_first(d, "version"),
        chunks=_first(d, "chunks", "chunk_count", "n_chunks"),
        indexed_at=_first(d, "indexed_at", "last_indexed", "updated_at"),
        extra={k: v for k, v in d.items() if k not in known and isinstance(v, str | int | float | bool)},
    )


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """KnowledgeBase methods may be sync (then they run in a worker thread) or async."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args, **kwargs)
    result = await run_in_threadpool(fn, *args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def knowledge_base(request: Request) -> Any:
    """The process-wide KnowledgeBase, created on first use (loading models is slow)."""
    kb = getattr(request.app.state, "knowledge", None)
    if kb is None:
        try:
            from knowledge.api import KnowledgeBase
        except ImportError as exc:
            raise ApiError(503, "knowledge_unavailable", "the knowledge base is not installed") from exc
        kb = KnowledgeBase()
        request.app.state.knowledge = kb
    return kb


def clean_source_name(name: str) -> str:
    """A safe relative source name (``policies/leave.md``): no absolute paths, no ``..``, known suffix."""
    name = name.replace("\\", "/").strip().strip("/")
    parts = PurePosixPath(name).parts
    if not parts or any(p in {".", ".."} or not _SAFE_PART.match(p) for p in parts):
        raise ApiError(
            422, "bad_filename", "file name may only contain letters, digits, spaces and . _ - ( ) +"
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise ApiError(
            415, "unsupported_type", f"'{suffix or name}' files are not supported; upload one of: {allowed}"
        )
    return "/".join(parts)


def _check_content(data: bytes, suffix: str) -> None:
    if not data.strip():
        raise ApiError(422, "empty_file", "the file is empty")
    if suffix == ".pdf" and not data.startswith(b"%PDF"):
        raise ApiError(415, "unsupported_type", "the file is not a PDF document")
    if suffix == ".docx" and not data.startswith(b"PK\x03\x04"):
        raise ApiError(415, "unsupported_type", "the file is not a Word (.docx) document")
    if suffix in {".md", ".markdown", ".txt", ".html", ".htm"}:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(415, "unsupported_type", "text files must be UTF-8 encoded") from exc


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await upload.read(1 << 16):
        size += len(chunk)
        if size > limit:
            raise ApiError(
                413, "file_too_large", f"the file is larger than the {limit // (1 << 20)} MB limit"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _store_and_ingest(
    request: Request, upload: UploadFile, source: str, replace: bool, actor: str, audience: str | None = None
) -> DocumentOut:
    rate_limit(request, "upload", actor)
    settings = _settings(request)
    limit = int(settings.hrbot_admin_max_upload_mb * (1 << 20))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + (1 << 16):
        raise ApiError(413, "file_too_large", f"the file is larger than the {limit // (1 << 20)} MB limit")
    data = await _read_limited(upload, limit)
    _check_content(data, PurePosixPath(source).suffix.lower())
    kb = knowledge_base(request)
    existing = {d.source for d in (document_out(x) for x in await _call(kb.list_documents))}
    if source in existing and not replace:
        raise ApiError(
            409, "already_exists", f"'{source}' already exists; use replace to upload a new version"
        )
    target = (settings.upload_dir / source).resolve()
    if settings.upload_dir.resolve() not in target.parents:
        raise ApiError(422, "bad_filename", "invalid file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    try:
        info = await _call(kb.ingest_file, target, source, audience=audience)
    except Exception as exc:
        log.exception("knowledge_ingest_failed", source=source, actor=actor)
        raise ApiError(422, "ingest_failed", f"could not index '{source}': {exc}") from exc
    log.info(
        "knowledge_document_indexed", source=source, actor=actor, replaced=source in existing, bytes=len(data)
    )
    return document_out(info)


@router.get("/me", response_model=AdminMe)
async def admin_me(request: Request, employee_id: str = Depends(required_user)) -> AdminMe:
    """Who is signed in and whether they may curate knowledge (for the admin page)."""
    try:
        admin = await is_hr_admin(employee_id, _settings(request))
    except RoleCheckUnavailable as exc:
        raise ApiError(
            503, "personnel_unavailable", "cannot verify your role right now; try again later"
        ) from exc
    return AdminMe(employee_id=employee_id, is_hr_admin=admin)


@router.get("/knowledge/documents", response_model=DocumentList)
async def list_documents(request: Request, _: str = Depends(require_hr_admin)) -> DocumentList:
    """All indexed documents with version, chunk count and last indexed time."""
    kb = knowledge_base(request)
    docs = [document_out(d) for d in await _call(kb.list_documents)]
    return DocumentList(documents=sorted(docs, key=lambda d: d.source))


@router.post("/knowledge/documents", response_model=DocumentOut, status_code=201)
async def upload_document(
    request: Request,
    file: UploadFile = File(description="md, html, pdf, docx or txt"),
    replace: bool = Form(False, description="replace an existing document with the same name"),
    audience: str | None = Form(None, pattern="^[a-z][a-z0-9_-]{0,31}$", description="e.g. 'all' or 'hr'"),
    actor: str = Depends(require_hr_admin),
) -> DocumentOut:
    """Upload a new document (409 if the name exists and ``replace`` is false)."""
    source = clean_source_name(file.filename or "")
    return await _store_and_ingest(request, file, source, replace, actor, audience)


@router.put("/knowledge/documents/{source:path}", response_model=DocumentOut)
async def replace_document(
    request: Request,
    source: str,
    file: UploadFile = File(),
    actor: str = Depends(require_hr_admin),
) -> DocumentOut:
    """Replace a document (keeps its source name, so citations stay stable)."""
    source = clean_source_name(source)
    new_suffix = PurePosixPath(file.filename or source).suffix.lower()
    if new_suffix != PurePosixPath(source).suffix.lower():
        raise ApiError(422, "type_mismatch", f"the replacement must be a {PurePosixPath(source).suffix} file")
    return await _store_and_ingest(request, file, source, True, actor)


@router.delete("/knowledge/documents/{source:path}", response_model=RemoveResult)
async def delete_document(
    request: Request, source: str, actor: str = Depends(require_hr_admin)
) -> RemoveResult:
    """Remove a document and its chunks from the index."""
    kb = knowledge_base(request)
    removed = int(await _call(kb.remove, source) or 0)
    if removed == 0:
        raise ApiError(404, "not_found", f"no document named '{source}'")
    settings = _settings(request)
    stored = (settings.upload_dir / source).resolve()
    if settings.upload_dir.resolve() in stored.parents and stored.is_file():
        stored.unlink()
    log.info("knowledge_document_removed", source=source, actor=actor, chunks=removed)
    return RemoveResult(source=source, removed_chunks=removed)


@router.post("/knowledge/ask", response_model=AskResult)
async def try_question(request: Request, body: AskRequest, _: str = Depends(require_hr_admin)) -> AskResult:
    """Ask the knowledge base directly (no dialogue) to check an answer and its sources."""
    kb = knowledge_base(request)
    ans = _to_dict(await _call(kb.answer, body.question, lang=body.lang))
    sources = [s if isinstance(s, str | dict) else _to_dict(s) for s in ans.get("sources") or []]
    return AskResult(
        answer=str(ans.get("answer") or ""), confident=bool(ans.get("confident")), sources=sources
    )


def find_document_file(settings: ConnectorSettings, source: str) -> Path | None:
    """The file behind a source name (uploads first, then the corpus folders), never outside them."""
    for base in [settings.upload_dir, *settings.docs_dirs]:
        base = base.resolve()
        path = (base / source).resolve()
        if base in path.parents and path.is_file():
            return path
    return None


_MEDIA = {
    ".md": ("text/plain; charset=utf-8", "inline"),
    ".markdown": ("text/plain; charset=utf-8", "inline"),
    ".txt": ("text/plain; charset=utf-8", "inline"),
    ".html": ("text/html; charset=utf-8", "inline"),
    ".htm": ("text/html; charset=utf-8", "inline"),
    ".pdf": ("application/pdf", "inline"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"),
}

source_router = APIRouter(tags=["knowledge"])


@source_router.get("/knowledge/source/{source:path}", response_class=FileResponse, responses={404: {}})
async def open_source(request: Request, source: str) -> FileResponse:
    """Open a cited document (citation links). Only documents for everyone (audience "all")."""
    kb = knowledge_base(request)
    docs = {d.source: d for d in (document_out(x) for x in await _call(kb.list_documents))}
    doc = docs.get(source)
    path = find_document_file(_settings(request), source) if doc is not None else None
    if doc is None or doc.extra.get("audience", "all") != "all" or path is None:
        raise ApiError(404, "not_found", "no such document")
    media, disposition = _MEDIA.get(path.suffix.lower(), ("application/octet-stream", "attachment"))
    # Uploaded HTML must not run on the gateway's origin: sandbox it (no scripts, opaque origin).
    headers = {
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    }
    return FileResponse(
        path, media_type=media, headers=headers, content_disposition_type=disposition, filename=path.name
    )
