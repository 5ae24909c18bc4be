"""Settings of the action server (environment variables; see README, Configuration)."""

from datetime import date
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from hrbot.paths import ENV_FILE


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    personnel_url: str = "http://127.0.0.1:8100"
    personnel_service_token: str = ""
    hrbot_identity_secret: str = ""
    # The users' "today" for relative dates ("tomorrow", "下周一").
    hrbot_timezone: str = "Asia/Shanghai"
    # Pin the whole system's "today" (ISO date) for demos and tests; unset means the real date.
    hrbot_today: date | None = None
    # Load the knowledge base when the action server starts (set by `hrbot serve actions`), so the
    # first policy question is answered as fast as the next ones.
    hrbot_warm_knowledge: bool = False
    # What the knowledge base is asked, per reply language, for HR's contact details: the
    # organisation's documents are the one place they are written (the demo's "Contacting HR"
    # page); the assistant quotes their answer when someone asks how to reach HR, and with a
    # hand-off or a record change that HR makes.
    hrbot_hr_contact_question: dict[str, str] = {"en": "How do I reach HR?", "zh": "怎么联系人事处？"}

    def security_values(self) -> dict[str, object]:
        """What ``hrbot.security`` checks before the action server starts."""
        return {
            "PERSONNEL_SERVICE_TOKEN": self.personnel_service_token,
            "HRBOT_IDENTITY_SECRET": self.hrbot_identity_secret,
        }


@lru_cache
def get_settings() -> ActionSettings:
    return ActionSettings()
