"""Personnel backend application factory.

Run::

    python -m personnel                                  # host/port from PERSONNEL_URL
    uvicorn personnel.app.main:app --port 8100           # ``app`` is built lazily on first access

On startup the database (PERSONNEL_DATABASE_URL, default ``sqlite:///var/personnel.db``) is
migrated with Alembic and, when empty, seeded with the demo organisation. OpenAPI: /openapi.json,
interactive docs: /docs. Nothing happens at import time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from personnel.app.api.routes import (
    audit,
    calendars,
    cases,
    employees,
    imports,
    leave,
    notifications,
    records,
    training,
)
from personnel.app.core.config import Settings, get_settings
from personnel.app.services.errors import AppError

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details or {}}}, status_code=status
    )


def create_app(settings: Settings | None = None, *, seed: bool | None = None) -> FastAPI:
    """Build the app; the database is opened, migrated and seeded in the lifespan, not here."""
    settings = settings or get_settings()
    from hrbot.security import DEVELOPMENT, enforce

    # Refuse to serve in production with the demo data or a weak service token (hrbot.security).
    mode = enforce("personnel backend", settings.security_values())
    settings.apply_mode(development=mode == DEVELOPMENT)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from personnel.app.db import make_engine, make_sessionmaker, migrate
        from personnel.app.seed import seed_if_empty

        engine = make_engine(settings.database_url)
        migrate(engine)
        sqlite = engine.dialect.name == "sqlite"
        read_engine = make_engine(settings.database_url, immediate=False) if sqlite else engine
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.read_sessionmaker = make_sessionmaker(read_engine)
        # SQLite has one writer at a time: queue writers of this process on a lock instead of
        # letting them poll the database's busy handler (BEGIN IMMEDIATE still guards other processes)
        app.state.write_lock = threading.Lock() if sqlite else None
        from personnel.app.services.calendar_publish import ensure_shipped

        with app.state.sessionmaker() as session:  # shipped holiday years the database lacks
            ensure_shipped(session)
            session.commit()
        if sqlite:  # one process runs SQLite's imports: what it left unfinished died with it
            from personnel.app.api.routes.imports import mark_interrupted

            with app.state.sessionmaker() as session:
                if n := mark_interrupted(session):
                    log.warning("import_jobs_interrupted", extra={"jobs": n})
                session.commit()
        if settings.seed_demo if seed is None else seed:
            with app.state.sessionmaker() as session:
                seed_if_empty(session, today=settings.today())
        try:
            yield
        finally:
            engine.dispose()
            read_engine.dispose()

    app = FastAPI(
        title="hrbot personnel backend",
        version="0.1.0",
        description="HR system of record: employees, leave, records, training, HR cases. Callers "
        "authenticate with the service token and name the acting employee in X-Acting-Employee.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return _error(422, "validation_error", "the request is malformed", {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return _error(409, "conflict", "the change conflicts with existing data; retry")

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> JSONResponse:
        return _error(422, "validation_error", "a value is not acceptable to the database")

    @app.exception_handler(OperationalError)
    async def busy_error(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return _error(503, "database_unavailable", "the database is busy or unreachable; retry")

    from personnel.app.api.routes.scim import ScimError
    from personnel.app.api.routes.scim import error_response as scim_error_response

    @app.exception_handler(ScimError)
    async def scim_error(_: Request, exc: ScimError) -> JSONResponse:
        return scim_error_response(exc)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(cases.me_router)  # before /me/{...} style routes of other modules
    for module in (employees, leave, records, training, cases, audit, notifications, imports, calendars):
        app.include_router(module.router)
    from personnel.app.api.routes import scim

    app.include_router(scim.router)
    return app


def __getattr__(name: str) -> Any:
    """``personnel.app.main:app`` for uvicorn, created on first access rather than at import."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
