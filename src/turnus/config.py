"""Configuration from ``TURNUS_*`` environment variables, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./turnus.db"


class ConfigError(Exception):
    """Start-up configuration is invalid; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TURNUS_", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    host: str = Field("127.0.0.1", description="Interface the API binds to")
    port: int = Field(8000, ge=1, le=65535, description="TCP port the API listens on")
    log_level: Literal["debug", "info", "warning", "error", "critical"] = Field(
        "info", description="Minimum level of the JSON logs"
    )
    secret_key: SecretStr | None = Field(
        None, description="Secret (>= 32 chars) for signatures; required when env is production"
    )
    operator_key: SecretStr | None = Field(
        None, description="Bearer token of the operator API (/operator/v1); disabled when unset"
    )
    env: Literal["development", "production"] = Field(
        "development", description="production enforces a secret key"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest accepted request body in bytes"
    )
    idempotency_ttl_hours: int = Field(
        24, ge=24, description="How long Idempotency-Key responses are kept (>= 24)"
    )
    documents_dir: str = Field(
        "var/documents",
        min_length=1,
        description="Directory of the document archive (issued PDFs and e-invoices)",
    )

    smtp_host: str | None = Field(
        None, description="SMTP server of outgoing mail; unset: mails stay pending in the outbox"
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port (587: starttls, 465: ssl)")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "none", description="none, starttls (upgrade after connecting) or ssl (TLS from the start)"
    )
    smtp_username: str | None = Field(None, description="SMTP login (needs starttls or ssl)")
    smtp_password: SecretStr | None = Field(
        None, validate_default=True, description="Password of the SMTP login"
    )
    smtp_timeout: float = Field(
        30.0, gt=0, le=120, description="Seconds to wait for the SMTP server per step"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite://") or value.startswith("postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @field_validator("secret_key", "operator_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @field_validator("smtp_host", "smtp_username")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        text = (value or "").strip()
        if text and any(c.isspace() for c in text):
            raise ValueError("must not contain spaces")
        if "://" in text:
            raise ValueError("must be a host name or address, not a URL")
        return text or None

    @field_validator("smtp_password")
    @classmethod
    def _complete_login(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            value = None
        username = info.data.get("smtp_username")
        if (value is None) != (username is None):
            raise ValueError("set TURNUS_SMTP_USERNAME and TURNUS_SMTP_PASSWORD together")
        if value is not None and info.data.get("smtp_security", "none") == "none":
            raise ValueError(
                "an SMTP login needs TURNUS_SMTP_SECURITY starttls or ssl "
                "(the password is never sent in clear text)"
            )
        return value

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_host is not None

    def require_production_safety(self) -> None:
        if self.env == "production" and self.secret_key is None:
            raise ConfigError("TURNUS_SECRET_KEY: must be set when TURNUS_ENV=production")


def load_settings(**overrides: object) -> Settings:
    """Read and validate the environment; raise ConfigError naming the offending variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            name = "TURNUS_" + str(error["loc"][0]).upper() if error["loc"] else "TURNUS_*"
            messages.append(f"{name}: {error['msg']}")
        raise ConfigError("; ".join(messages)) from None
    settings.require_production_safety()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
