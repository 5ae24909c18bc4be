"""Settings from the environment (and ``.env``), read lazily so imports have no side effects."""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

DEV_TOKEN = "dev-personnel-token"


class Settings(BaseSettings):
    """Environment variables read by the personnel backend (see docs/CONTRACTS.md)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///var/personnel.db", alias="PERSONNEL_DATABASE_URL")
    # No default outside development: production refuses to start without a strong token.
    service_token: str = Field("", alias="PERSONNEL_SERVICE_TOKEN")
    timezone: str = Field("Asia/Shanghai", alias="HRBOT_TIMEZONE")
    # Pin "today" (ISO date) for demos and tests; empty means the real date in HRBOT_TIMEZONE.
    today_override: date | None = Field(None, validation_alias=AliasChoices("PERSONNEL_TODAY", "HRBOT_TODAY"))
    # Transcripts of resolved HR cases are purged this long after resolution (`hrbot purge`).
    case_transcript_retention_days: float = Field(180, gt=0, alias="PERSONNEL_CASE_TRANSCRIPT_RETENTION_DAYS")
    # Seed the demo organisation into an empty database; unset means: in development only.
    seed_demo: bool | None = Field(None, alias="PERSONNEL_SEED_DEMO")
    # Notices (personnel/app/services/notifications.py): no push between these local times
    # ("22:00-08:00"; empty: none), at most this many pushed notices per person and day (0: no cap).
    notify_quiet_hours: str = Field("22:00-08:00", alias="NOTIFY_QUIET_HOURS")
    notify_daily_cap: int = Field(5, ge=0, alias="NOTIFY_DAILY_CAP")
    # Time-based rules (personnel/app/services/reminders.py): the year-end unused-leave and
    # training-hours reminders start on this day of December; HR hears of contracts ending within
    # this many days.
    notify_year_end_from_day: int = Field(1, ge=1, le=31, alias="NOTIFY_YEAR_END_FROM_DAY")
    notify_contract_end_days: int = Field(60, ge=1, le=366, alias="NOTIFY_CONTRACT_END_DAYS")
    # A running organisation import tells the database it is alive this often (PostgreSQL; other
    # API processes follow it); silent for six beats, it is reported interrupted.
    import_heartbeat_seconds: float = Field(10, gt=0, alias="PERSONNEL_IMPORT_HEARTBEAT_SECONDS")
    # The identity provider's bearer token for /scim/v2; empty disables the SCIM endpoints.
    scim_token: str = Field("", alias="PERSONNEL_SCIM_TOKEN")

    def security_values(self) -> dict[str, object]:
        """What ``hrbot.security`` checks before the backend starts."""
        return {
            "PERSONNEL_SERVICE_TOKEN": self.service_token,
            "PERSONNEL_SEED_DEMO": self.seed_demo,
            "PERSONNEL_SCIM_TOKEN": self.scim_token,
        }

    def apply_mode(self, development: bool) -> Settings:
        """Development conveniences, only when development was chosen: the fixed service token when
        none is set, demo data unless PERSONNEL_SEED_DEMO says otherwise."""
        if development and not self.service_token:
            log.warning("PERSONNEL_SERVICE_TOKEN is not set: using the development token")
            self.service_token = DEV_TOKEN
        if self.seed_demo is None:
            self.seed_demo = development
        return self

    def today(self) -> date:
        if self.today_override:
            return self.today_override
        return datetime.now(ZoneInfo(self.timezone)).date()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def sqlite_path(url: str) -> Path | None:
    """File path of a sqlite URL (None for memory/other databases)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in (prefix, "sqlite:///:memory:"):
        return None
    return Path(url[len(prefix) :])
