"""The web gateway: ``uvicorn --factory connectors.web.app:create_app``.

Routes: ``POST /api/chat`` (widget → Rasa), ``/`` demo intranet page, ``/widget.js``, ``/admin`` +
``/api/admin/knowledge/...`` (HR curators), ``/admin/cases`` + ``/api/admin/cases`` (the HR desk),
``/api/cases`` (an employee's cases: HR replies, answers, live events),
``POST /api/telegram/link-code``, ``POST /dev/token`` (dev only), ``/healthz``. The gateway
authenticates the user and hands Rasa a signed identity assertion; it holds no HR rules.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.i18n import normalise_lang, t
from connectors.linking import LinkStore
from connectors.rasa_client import RasaClient, RasaUnavailable
from connectors.settings import ConnectorSettings, get_settings
from connectors.web.auth import ApiError, make_limits, optional_user, rate_limit, required_user
from connectors.web.models import (
    ChatRequest,
    ChatResponse,
    DevTokenRequest,
    DevTokenResponse,
    ErrorResponse,
    HealthResponse,
    LinkCodeResponse,
)
from connectors.web.tokens import EMPLOYEE_ID_RE, issue_dev_token

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
DEMO_COOKIE = "hrbot_demo_user"

# Pages we render ourselves get a strict CSP: no inline script, so injected markup cannot run.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

MAX_JSON_BODY = 64 * 1024

_ERR = {
    401: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    429: {"model": ErrorResponse, "description": "over a rate limit; wait Retry-After seconds"},
    503: {"model": ErrorResponse},
}


def _error(
    status: int,
    code: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC_DIR / name, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"}
    )


def _asset(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


def _asset_route(name: str, media_type: str) -> Any:
    async def route() -> FileResponse:
        return _asset(name, media_type)

    return route


def create_app(settings: ConnectorSettings | None = None) -> FastAPI:
    """Build the gateway (an app factory, so nothing happens at import time)."""
    settings = settings or get_settings()
    from hrbot.security import enforce

    # Refuse to serve in production with a demo convenience on or a weak secret (hrbot.security).
    enforce("web gateway", settings.security_values())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rasa_url, timeout_s=settings.rasa_timeout_s)
        app.state.links = LinkStore(settings.link_database_url, code_ttl_s=settings.hrbot_link_code_ttl_s)
        from connectors.web.insights import start_background, stop_background

        start_background(app)  # conversation events into the insights tables, every minute
        log.info(
            "gateway_started",
            rasa_url=settings.rasa_url,
            sign_in=settings.jwt_algorithm,
            dev_login=settings.dev_login_enabled,
        )
        try:
            yield
        finally:
            await stop_background(app)
            await app.state.rasa.aclose()
            app.state.links.dispose()
            kb = getattr(app.state, "knowledge", None)
            if kb is not None and hasattr(kb, "close"):
                kb.close()

    app = FastAPI(
        title="HR assistant gateway",
        version="0.1.0",
        description="Web chat API, embeddable widget, knowledge admin and Telegram link codes.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.limits = make_limits(settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            # Bearer tokens travel in a header: no cookies cross origins, so no credentials mode.
            allow_credentials=False,
        )

    @app.middleware("http")
    async def access_log(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        declared = request.headers.get("content-length", "")
        if (
            declared.isdigit()
            and int(declared) > MAX_JSON_BODY
            and not request.url.path.startswith("/api/admin/knowledge/documents")
        ):
            # JSON endpoints never need more; refuse before reading the body (uploads have their own limit).
            return _error(413, "body_too_large", f"request body over {MAX_JSON_BODY // 1024} KB")
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        log.info(
            "http_request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000),
        )
        return response

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return _error(422, "validation_error", _validation_message(exc), details)

    @app.get("/healthz", response_model=HealthResponse, tags=["ops"])
    async def healthz() -> HealthResponse:
        """Liveness: the gateway process is serving requests."""
        return HealthResponse(status="ok")

    @app.post(
        "/api/chat",
        response_model=ChatResponse,
        response_model_exclude_none=True,
        tags=["chat"],
        responses=_ERR,
    )
    async def chat(
        body: ChatRequest, request: Request, employee_id: str | None = Depends(optional_user)
    ) -> ChatResponse | JSONResponse:
        """Send a message to the assistant. Anonymous users may ask policy questions only."""
        lang = body.lang or normalise_lang(request.headers.get("accept-language"))
        anonymous = f"anon:{body.session_id}" if body.session_id else None
        rate_limit(request, "chat", employee_id or anonymous, lang)
        session_id: uuid.UUID | None = None
        if employee_id is None:
            session_id = body.session_id or uuid.uuid4()
            sender, identity = f"web:anon:{session_id}", None
        else:
            if not settings.hrbot_identity_secret:
                log.error("identity_secret_missing")
                return _error(503, "misconfigured", "HRBOT_IDENTITY_SECRET is not configured on the gateway")
            from connectors.web.roles import is_active_employee
            from hrbot.identity import sign_identity

            if not await is_active_employee(employee_id, settings):
                return _error(403, "account_inactive", t("account_inactive", lang))
            sender = f"web:{employee_id}"
            identity = sign_identity(
                employee_id,
                "web",
                settings.hrbot_identity_secret,
                ttl_s=settings.hrbot_identity_ttl_s,
                sender=sender,
            )
        try:
            messages = await request.app.state.rasa.send(
                sender, body.message, identity=identity, lang=lang, channel="web"
            )
        except RasaUnavailable:
            return _error(503, "rasa_unavailable", t("rasa_unavailable", lang), headers={"Retry-After": "10"})
        if not messages:  # never leave the user looking at nothing
            messages = [{"text": t("empty_reply", lang)}]
        return ChatResponse.model_validate({"messages": messages, "session_id": session_id})

    @app.post("/api/telegram/link-code", response_model=LinkCodeResponse, tags=["telegram"], responses=_ERR)
    async def link_code(request: Request, employee_id: str = Depends(required_user)) -> LinkCodeResponse:
        """Issue a one-time code (10 minutes, single use) to link a Telegram account with ``/link CODE``."""
        rate_limit(request, "link_code", employee_id, normalise_lang(request.headers.get("accept-language")))
        links: LinkStore = request.app.state.links
        code, expires = links.create_code(employee_id)
        return LinkCodeResponse(
            code=code,
            expires_at=expires,
            expires_in=settings.hrbot_link_code_ttl_s,
            bot_username=settings.telegram_bot_username,
        )

    if settings.dev_login_enabled:

        @app.post(
            "/dev/token",
            response_model=DevTokenResponse,
            tags=["dev"],
            responses={422: {"model": ErrorResponse}},
        )
        async def dev_token(request: Request, body: DevTokenRequest | None = None) -> DevTokenResponse:
            """DEV ONLY (HRBOT_JWT_SECRET + HRBOT_DEV_LOGIN): a web token for a demo user.

            Stands in for the intranet SSO: the demo page keeps the chosen user in a cookie, like an
            SSO session, and the widget calls this endpoint (its ``data-token-endpoint``).
            """
            employee_id = (body.employee_id if body else None) or request.cookies.get(DEMO_COOKIE) or ""
            employee_id = employee_id.strip()
            if not employee_id or employee_id == "anonymous":
                return DevTokenResponse(token=None, employee_id=None)
            if not EMPLOYEE_ID_RE.match(employee_id):
                raise ApiError(422, "validation_error", "employee_id is not a valid employee id")
            token = issue_dev_token(employee_id, settings)
            return DevTokenResponse(
                token=token, employee_id=employee_id, expires_in=settings.hrbot_dev_token_ttl_s
            )

    @app.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return _page("index.html")

    @app.get("/admin", include_in_schema=False)
    async def admin_page() -> FileResponse:
        return _page("admin.html")

    @app.get("/admin/cases", include_in_schema=False)
    async def cases_page() -> FileResponse:
        return _page("cases.html")

    @app.get("/admin/insights", include_in_schema=False)
    async def insights_page() -> FileResponse:
        return _page("insights.html")

    for name, media in {
        "widget.js": "text/javascript",
        "widget.css": "text/css",
        "demo.js": "text/javascript",
        "admin.js": "text/javascript",
        "admin.css": "text/css",
        "cases.js": "text/javascript",
        "cases.css": "text/css",
        "insights.js": "text/javascript",
        "insights.css": "text/css",
        "vendor/chart.umd.min.js": "text/javascript",
        "import.js": "text/javascript",
    }.items():
        app.add_api_route(f"/{name}", _asset_route(name, media), methods=["GET"], include_in_schema=False)

    from connectors.web.admin import router as admin_router
    from connectors.web.admin import source_router
    from connectors.web.cases import desk_router, employee_router
    from connectors.web.insights import feedback_router
    from connectors.web.insights import router as insights_router
    from connectors.web.notices import router as notices_router
    from connectors.web.org_admin import router as org_admin_router

    app.include_router(admin_router)
    app.include_router(source_router)
    app.include_router(desk_router)
    app.include_router(employee_router)
    app.include_router(insights_router)
    app.include_router(feedback_router)
    app.include_router(notices_router)
    app.include_router(org_admin_router)
    return app
