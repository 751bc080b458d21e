import pytest

from turnus.config import ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite")
    assert settings.port == 8000


def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURNUS_PORT", "eighty")
    with pytest.raises(ConfigError, match="TURNUS_PORT"):
        load_settings()
    monkeypatch.setenv("TURNUS_PORT", "8000")
    monkeypatch.setenv("TURNUS_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="TURNUS_LOG_LEVEL"):
        load_settings()
    monkeypatch.setenv("TURNUS_LOG_LEVEL", "info")
    monkeypatch.setenv("TURNUS_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError, match="TURNUS_DATABASE_URL"):
        load_settings()


def test_postgres_urls_use_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURNUS_DATABASE_URL", "postgresql://u@h/db")
    assert load_settings().database_url == "postgresql+psycopg://u@h/db"


def test_production_needs_a_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURNUS_ENV", "production")
    with pytest.raises(ConfigError, match="TURNUS_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("TURNUS_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="TURNUS_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("TURNUS_SECRET_KEY", "s" * 32)
    assert load_settings().secret_key is not None
