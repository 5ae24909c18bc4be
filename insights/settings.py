"""Insights settings (environment variables; README, Configuration)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from hrbot.paths import ENV_FILE


class InsightsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    hrbot_data_dir: Path = Path("var")
    # Reporting tables and Rasa's event broker table (SQLite in the data dir by default;
    # postgresql+psycopg://... in scale-out, where the Rasa servers write their events there too).
    hrbot_insights_database_url: str | None = None
    # Rasa streams conversation events to the insights database (false: no event broker at all).
    hrbot_insights_events: bool = True
    # Events and answers older than this are purged (days).
    hrbot_insights_retention_days: int = 365
    # A breakdown (by channel or department) hides groups with fewer distinct people than this.
    hrbot_insights_min_group: int = 3
    # An answer given with a confidence below the knowledge base's threshold plus this margin
    # counts as low-confidence (a knowledge gap candidate).
    hrbot_insights_low_confidence_margin: float = 0.05
    # Two gap questions closest to the same document share a topic group when their embeddings are
    # at least this similar (cosine); chosen on the tuning third of tests/knowledge/heldout/.
    hrbot_insights_gap_similarity: float = 0.3
    # Key of the pseudonymous person keys (HMAC): counts distinct people without storing who.
    hrbot_identity_secret: str = ""
    hrbot_timezone: str = "Asia/Shanghai"

    @property
    def database_url(self) -> str:
        if self.hrbot_insights_database_url:
            return self.hrbot_insights_database_url
        return f"sqlite:///{(self.hrbot_data_dir / 'insights.db').resolve()}"


@lru_cache
def get_settings() -> InsightsSettings:
    return InsightsSettings()
