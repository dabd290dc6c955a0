"""Settings from the environment (CONTRACTS, section 3)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything wijkbot reads from the environment; secrets stay SecretStr (never logged)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///wijkbot.db"
    wijkbot_config: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # the one Slack installation whose requests are served; unset: the workspace auth.test names
    slack_team_id: str | None = None
    slack_app_id: str | None = None
    slack_enterprise_id: str | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_name: str = "wijkbot_bot"  # for invitation links; Telegram's getMe wins when the bot runs
    # Microsoft Teams (docs/teams.md): the Azure Bot's app registration, single tenant
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    teams_api_url: str = "https://smba.trafficmanager.net/teams/"  # the Bot Connector, for outbox messages
    teams_login_url: str = "https://login.microsoftonline.com"  # where the app's tokens come from
    teams_openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    teams_token_issuer: str = "https://api.botframework.com"  # the issuer of the connector's tokens
    port: int = Field(default=3000, ge=1, le=65535)
    # delivery (docs/security.md, "Bezorging"): seconds per API call and per message
    slack_timeout: int = Field(default=10, ge=1)
    telegram_timeout: float = Field(default=10.0, gt=0)
    teams_timeout: float = Field(default=10.0, gt=0)
    wijkbot_send_timeout: float = Field(default=30.0, gt=0)
    wijkbot_outbox_max_age: int = Field(default=2 * 24 * 3600, ge=60)  # seconds failing before a message is parked
    # seconds between two outbox messages to one Slack channel or Telegram chat (both allow about one
    # a second; faster only earns 429s); 0 turns the pace off
    wijkbot_outbox_pace: float = Field(default=1.0, ge=0)
    # /healthz answers 503 past these
    wijkbot_health_max_parked: int = Field(default=50, ge=0)
    wijkbot_health_max_age: int = Field(default=2 * 3600, ge=1)  # seconds the oldest deliverable message waits
    # the process (bot/__main__.py): log level; unset, WARNING for the console and INFO otherwise
    wijkbot_log_level: str | None = None
    # exports, charts and PDFs (docs/reports.md); unset or empty: ./wijkbot-uitvoer/
    wijkbot_output_dir: str | None = None
    # seconds between tries of a process that is not the scheduler's leader (schedules/live.py)
    wijkbot_leader_retry: float = 30.0
    # the inbox (bot/inbox.py): seconds a worker's claim on a request lasts; after that another
    # worker takes it over (its worker is presumed dead). Longer than any command takes.
    wijkbot_inbox_lease: float = Field(default=60.0, gt=0)
    # worker processes run this much nicer than the web process, so acknowledging goes first
    wijkbot_worker_nice: int = Field(default=10, ge=0, le=19)

    @field_validator("wijkbot_leader_retry", mode="before")
    @classmethod
    def _leader_retry(cls, value: Any) -> float:
        """At least 0.1 s; a value that is no number is the default (30 s)."""
        try:
            return max(0.1, float(value))
        except (TypeError, ValueError):
            return 30.0
