"""Configuration from ``TURNUS_*`` environment variables, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
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
