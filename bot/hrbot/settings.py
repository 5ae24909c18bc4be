"""System-wide settings: where the processes listen and where state is kept.

Each service also has its own settings class for what only it needs (personnel/, knowledge/,
connectors/); the names of all environment variables are listed in the README.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hrbot.paths import ENV_FILE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    hrbot_data_dir: Path = Path("var")
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    personnel_url: str = "http://127.0.0.1:8100"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # SQL tracker store: SQLite in the data dir unless a database URL is given
    # (e.g. postgresql://user:pass@host:5432/db).
    rasa_tracker_store_url: str | None = None
    # Conversations are deleted from the tracker store this long after their last message (`hrbot purge`).
    hrbot_tracker_retention_days: float = Field(90, gt=0)
    # Redis lock store (redis://host:6379/1) for several Rasa instances; in-memory otherwise.
    rasa_lock_store_url: str | None = None
    telegram_bot_token: str | None = None
    hrbot_jwt_secret: str | None = None
    # Chroma in client/server mode (docs/SCALE_OUT.md): `hrbot serve chroma` listens on its port.
    knowledge_chroma_url: str | None = None

    @property
    def rasa_port(self) -> int:
        return _port(self.rasa_url, 5005)

    @property
    def actions_port(self) -> int:
        return _port(self.actions_url, 5055)

    @property
    def personnel_port(self) -> int:
        return _port(self.personnel_url, 8100)

    @property
    def chroma_port(self) -> int:
        return _port(self.knowledge_chroma_url or "", 8001)


def _port(url: str, default: int) -> int:
    from urllib.parse import urlparse

    return urlparse(url).port or default


@lru_cache
def get_settings() -> Settings:
    return Settings()
