"""Structured JSON logs on stderr. Secrets never reach a log record: the access log carries no
headers or bodies, and API keys are only ever handled as hashes."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


class _DropTerminalColours(logging.Filter):
    """uvicorn adds an ANSI-coloured copy of each message; JSON logs need only the plain one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_DropTerminalColours())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our own middleware writes the access log; uvicorn's would duplicate it without ids.
    logging.getLogger("uvicorn.access").disabled = True
