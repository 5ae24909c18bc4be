"""Connector settings, read from the environment and ``.env`` (names as in docs/CONTRACTS.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConnectorSettings(BaseSettings):
    """Everything the gateway and the Telegram bot need; field names map 1:1 to env vars."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    hrbot_data_dir: Path = Path("var")
    rasa_url: str = "http://127.0.0.1:5005"
    # Several Rasa servers sharing one tracker store and one lock store (docs/SCALE_OUT.md), comma
    # separated; when set it replaces RASA_URL and messages are spread over them in turn.
    rasa_urls: str = ""
    rasa_timeout_s: float = 30.0

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # Web SSO token verification: HS256 with a shared secret (dev) or RS256 with a public key (prod).
    hrbot_jwt_secret: str | None = None
    hrbot_jwt_public_key: str | None = None
    hrbot_jwt_algorithm: Literal["HS256", "RS256"] | None = None
    # Keys the way intranets publish them: the OIDC issuer (its discovery document names the JWKS) or
    # the JWKS URL itself; keys are fetched by ``kid``, cached, and refetched when the SSO rotates them.
    hrbot_oidc_issuer: str | None = None
    hrbot_jwt_jwks_url: str | None = None
    hrbot_jwt_issuer: str | None = None
    hrbot_jwt_audience: str | None = None
    # How long the fetched key set is trusted before it is fetched again (a key the SSO retired stops
    # working after this), and the least time between two fetches forced by an unknown ``kid``.
    hrbot_jwks_cache_s: float = Field(300.0, gt=0, le=86400)
    hrbot_jwks_min_refresh_s: float = Field(30.0, ge=0, le=3600)
    # Clock difference tolerated on exp/nbf/iat, in seconds (bounded: a token is not valid for long after).
    hrbot_jwt_leeway_s: int = Field(30, ge=0, le=120)
    # Demo sign-in page and `hrbot token`: off unless chosen (the generated development .env turns it on).
    hrbot_dev_login: bool = False
    hrbot_dev_token_ttl_s: int = 8 * 3600
    hrbot_identity_secret: str | None = None
    # Identity assertions are made per message; a minute covers a slow action server, not a replay.
    hrbot_identity_ttl_s: int = 60
    # Comma separated origins allowed to embed the widget from another host (empty: same origin only).
    hrbot_cors_origins: str = ""

    personnel_url: str = "http://127.0.0.1:8100"
    personnel_service_token: str | None = None

    hrbot_admin_max_upload_mb: float = 20.0
    # How often an open widget's live stream asks the backend whether HR wrote (seconds).
    hrbot_case_poll_s: float = 2.0
    hrbot_link_database_url: str | None = None
    hrbot_link_code_ttl_s: int = 600
    # Wrong /link codes tolerated per minute from all Telegram users together (each user also gets 5
    # per 10 minutes): with 31^8 possible codes, guessing a live one stays out of reach.
    hrbot_link_failures_per_minute: int = Field(30, ge=1)

    # Abuse limits of the gateway (per process; 0 switches one off). Per signed-in user (or anonymous
    # conversation) and per client address, which an office behind one NAT shares: keep that one high.
    hrbot_chat_per_minute: int = Field(30, ge=0)
    hrbot_link_codes_per_hour: int = Field(10, ge=0)
    hrbot_uploads_per_hour: int = Field(60, ge=0)
    hrbot_requests_per_minute_per_ip: int = Field(600, ge=0)

    telegram_bot_token: str | None = None
    telegram_base_url: str | None = None
    telegram_bot_username: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = None

    # Where ingested corpus files live (comma separated), so citation links can open them.
    knowledge_docs_dirs: str = "knowledge/demo"

    @field_validator("hrbot_jwt_public_key")
    @classmethod
    def _load_key_file(cls, value: str | None) -> str | None:
        """Accept the PEM itself or a path to a PEM file (env vars cannot hold newlines everywhere)."""
        if value and "-----BEGIN" not in value and Path(value).is_file():
            return Path(value).read_text()
        if value:
            return value.replace("\\n", "\n")
        return value

    @model_validator(mode="after")
    def _fold_rasa_urls(self) -> ConnectorSettings:
        """RASA_URLS wins over RASA_URL; `rasa_url` then holds the list, which RasaClient splits."""
        urls = _split_urls(self.rasa_urls)
        if urls:
            self.rasa_url = ",".join(urls)
        return self

    def security_values(self, telegram: bool = False) -> dict[str, object]:
        """What ``hrbot.security`` checks for the gateway (or, with ``telegram``, the Telegram bot)."""
        values: dict[str, object] = {
            "HRBOT_IDENTITY_SECRET": self.hrbot_identity_secret,
            "HRBOT_IDENTITY_TTL_S": self.hrbot_identity_ttl_s,
        }
        if telegram:
            values.update(
                TELEGRAM_WEBHOOK_URL=self.telegram_webhook_url,
                TELEGRAM_WEBHOOK_SECRET=self.telegram_webhook_secret,
            )
            return values
        values.update(
            HRBOT_DEV_LOGIN=self.hrbot_dev_login,
            HRBOT_JWT_SECRET=self.hrbot_jwt_secret,
            HRBOT_JWT_PUBLIC_KEY=self.hrbot_jwt_public_key,
            HRBOT_JWT_JWKS_URL=self.hrbot_jwt_jwks_url,
            HRBOT_OIDC_ISSUER=self.hrbot_oidc_issuer,
            HRBOT_JWT_AUDIENCE=self.hrbot_jwt_audience,
            HRBOT_JWT_ISSUER=self.jwt_issuer,
            HRBOT_CORS_ORIGINS=self.hrbot_cors_origins,
            PERSONNEL_SERVICE_TOKEN=self.personnel_service_token,
        )
        return values

    @property
    def rasa_url_list(self) -> list[str]:
        """Every Rasa server the connectors talk to (one unless RASA_URLS lists several)."""
        return _split_urls(self.rasa_url)

    @property
    def jwks_configured(self) -> bool:
        """Keys come from the SSO's published key set (JWKS URL, or the OIDC discovery document)."""
        return bool(self.hrbot_jwt_jwks_url or self.hrbot_oidc_issuer)

    @property
    def jwt_issuer(self) -> str | None:
        """The ``iss`` every web token must carry: HRBOT_JWT_ISSUER, else the OIDC issuer."""
        return self.hrbot_jwt_issuer or self.hrbot_oidc_issuer

    @property
    def jwt_algorithm(self) -> str | None:
        """The one algorithm accepted for web tokens; ``None`` means web sign-in is disabled."""
        if self.hrbot_jwt_algorithm:
            return self.hrbot_jwt_algorithm
        if self.hrbot_jwt_public_key or self.jwks_configured:
            return "RS256"
        if self.hrbot_jwt_secret:
            return "HS256"
        return None

    @property
    def dev_login_enabled(self) -> bool:
        """``/dev/token`` exists only with a dev HS256 secret and HRBOT_DEV_LOGIN=true."""
        return bool(self.hrbot_jwt_secret) and self.hrbot_dev_login

    @property
    def link_database_url(self) -> str:
        return self.hrbot_link_database_url or f"sqlite:///{self.hrbot_data_dir / 'connectors.db'}"

    @property
    def upload_dir(self) -> Path:
        return self.hrbot_data_dir / "knowledge_uploads"

    @property
    def docs_dirs(self) -> list[Path]:
        return [Path(p.strip()) for p in self.knowledge_docs_dirs.split(",") if p.strip()]

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.hrbot_cors_origins.split(",") if o.strip()]


def _split_urls(value: str) -> list[str]:
    return [u.strip().rstrip("/") for u in value.split(",") if u.strip()]


@lru_cache(maxsize=1)
def get_settings() -> ConnectorSettings:
    """Settings read once per process (tests pass explicit settings instead)."""
    return ConnectorSettings()
