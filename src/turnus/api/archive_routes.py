"""The archive and delete endpoints every archivable resource has, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from turnus.api.deps import Context
from turnus.api.schemas import problem_responses
from turnus.services.context import TenantContext

Present = Callable[[TenantContext, dict[str, Any]], BaseModel]
Change = Callable[[TenantContext, str], dict[str, Any]]
Delete = Callable[[TenantContext, str], None]


def add_archive_routes(
    router: APIRouter,
    *,
    label: str,
    out_model: type[BaseModel],
    present: Present,
    archive: Change,
    delete: Delete | None = None,
    archive_summary: str | None = None,
) -> None:
    """``POST /{object_id}/archive`` and, if ``delete`` is given, ``DELETE /{object_id}``
    (only for records nothing references; otherwise 409 and the advice to archive)."""

    @router.post(
        "/{object_id}/archive",
        response_model=out_model,
        summary=archive_summary or f"Archive a {label} (it stays readable; nothing new can use it)",
        responses=problem_responses(404),
    )
    def archive_object(object_id: str, ctx: Context) -> Any:
        return present(ctx, archive(ctx, object_id))

    if delete is None:
        return

    @router.delete(
        "/{object_id}",
        status_code=204,
        response_class=Response,
        summary=f"Delete a {label} nothing references (else archive it)",
        responses=problem_responses(404, 409),
    )
    def delete_object(object_id: str, ctx: Context) -> Response:
        delete(ctx, object_id)
        return Response(status_code=204)
