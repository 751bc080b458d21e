"""Liveness and readiness probes, and the problem type documentation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from turnus.api.problems import PROBLEM_TYPES, problem_response
from turnus.api.runtime import runtime_of
from turnus.store import migrate

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Liveness: the process answers",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is current",
    responses={
        200: {"content": {"application/json": {"example": {"status": "ready"}}}},
        503: {"description": "Not ready", "content": {"application/problem+json": {}}},
    },
)
async def readyz(request: Request) -> JSONResponse:
    engine = runtime_of(request).engine

    def check() -> str | None:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return "The database does not answer."
        if not migrate.is_current(engine):
            return "The database schema is not current; run 'turnus db upgrade'."
        return None

    problem = await run_in_threadpool(check)
    if problem is not None:
        return problem_response(503, "not-ready", problem, title="Not ready", request=request)
    return JSONResponse({"status": "ready"})


@router.get("/problems/{slug}", response_class=HTMLResponse, include_in_schema=False)
def problem_type(slug: str) -> HTMLResponse:
    title, explanation = PROBLEM_TYPES.get(slug, ("Unknown problem type", ""))
    return HTMLResponse(
        f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{explanation}</p>"
    )
