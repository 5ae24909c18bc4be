"""Settings of the notifier process (`hrbot serve notifier`), from the environment and ``.env``.

The rules of delivery (quiet hours, daily cap, opt-outs) are the backend's settings
(personnel/app/core/config.py); these only say how the process works through the outbox.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # notices leased per claim, and how long a lease lasts before another instance may take them
    batch_size: int = Field(50, ge=1, le=1000, alias="NOTIFY_BATCH_SIZE")
    lease_s: float = Field(60.0, gt=0, alias="NOTIFY_LEASE_S")
    # notices of a batch sent at the same time (a channel call is mostly waiting for the network);
    # also how many messages may be on the wire if the process is killed
    concurrency: int = Field(4, ge=1, le=64, alias="NOTIFY_CONCURRENCY")
    # how often an idle notifier looks for due notices
    poll_s: float = Field(1.0, gt=0, alias="NOTIFY_POLL_S")
    # failed deliveries: tries per notice, and the first wait (doubling up to an hour)
    max_attempts: int = Field(8, ge=1, alias="NOTIFY_MAX_ATTEMPTS")
    backoff_s: float = Field(30.0, ge=0, alias="NOTIFY_BACKOFF_S")
    # the time-based rules (personnel/app/services/reminders.py): every this many seconds (0: never)
    rules_interval_s: float = Field(3600.0, ge=0, alias="NOTIFY_RULES_INTERVAL_S")
    # seconds a single channel call may take (Telegram Bot API)
    channel_timeout_s: float = Field(10.0, gt=0, alias="NOTIFY_CHANNEL_TIMEOUT_S")


@lru_cache(maxsize=1)
def get_settings() -> NotifierSettings:
    return NotifierSettings()
