"""ASGI entry point for process managers: ``uvicorn --factory turnus.api.asgi:app --workers 4``.
Every process is stateless; they share nothing but the database."""

from __future__ import annotations

from fastapi import FastAPI

from turnus.api.app import create_app
from turnus.config import get_settings
from turnus.logging_setup import configure_logging


def app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
