"""The FastAPI application."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from turnus import __version__
from turnus.api import problems
from turnus.api.middleware import RequestContextMiddleware
from turnus.api.routes import (
    api_keys,
    audit,
    billing_runs,
    billing_settings,
    catalog,
    clock,
    components,
    contracts,
    coupons,
    customers,
    deliveries,
    document_settings,
    health,
    invoice_documents,
    invoices,
    operator,
    outbox,
    plan_variants,
    plans,
    products,
    tenant,
    usage,
)
from turnus.api.runtime import Runtime
from turnus.config import Settings
from turnus.documents.storage import FilesystemStore
from turnus.domain.errors import TurnusError
from turnus.services.documents import archive
from turnus.services.wall_clock import SystemWallClock, WallClock
from turnus.store.database import create_database_engine

DESCRIPTION = """
Subscription billing for subscription commerce.

* Authenticate every `/v1` request with `Authorization: Bearer <api key>`.
* Errors are RFC 9457 `application/problem+json` with `errors[]` naming each field.
* Send `Idempotency-Key` on every POST; retries replay the first response.
* Lists are cursor-paginated: `limit` (1-100) and `starting_after`, newest first.
"""


def create_app(
    settings: Settings, *, engine: Engine | None = None, wall_clock: WallClock | None = None
) -> FastAPI:
    app = FastAPI(
        title="Turnus API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = Runtime(
        settings=settings,
        engine=engine or create_database_engine(settings.database_url),
        wall_clock=wall_clock or SystemWallClock(),
    )
    archive.use_store(FilesystemStore(settings.documents_dir))
    for exc_type in (TurnusError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_type, problems.handle)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    for module in (
        health,
        tenant,
        api_keys,
        audit,
        clock,
        operator,
        products,
        plans,
        plan_variants,
        components,
        coupons,
        catalog,
        customers,
        contracts,
        deliveries,
        billing_settings,
        billing_runs,
        document_settings,
        invoice_documents,
        invoices,
        outbox,
        usage,
    ):
        app.include_router(module.router)
    _document_problems_as_problem_json(app)
    return app


def _document_problems_as_problem_json(app: FastAPI) -> None:
    """FastAPI files a response model under application/json; errors are problem+json."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if problems.MEDIA_TYPE in content and "application/json" in content:
                        content[problems.MEDIA_TYPE]["schema"] = content.pop("application/json")[
                            "schema"
                        ]
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
