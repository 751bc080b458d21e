"""The audit log of the calling merchant."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, problem_responses
from turnus.services import audit

router = APIRouter(prefix="/v1/audit_events", tags=["audit log"], route_class=TenantRoute)


class AuditEventOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "aud_01jdz8q6s3m4x7c2v9b5n0k1ht",
                    "actor_type": "api_key",
                    "actor_id": "key_01jdz8q6s3m4x7c2v9b5n0k1hz",
                    "object_type": "api_key",
                    "object_id": "key_01jdz9a0b1c2d3e4f5g6h7j8k9",
                    "action": "revoked",
                    "before": {"revoked_at": None},
                    "after": {"revoked_at": "2026-11-25T10:00:00+00:00"},
                    "tenant_time": "2026-11-25T11:00:00+01:00",
                    "wall_time": "2026-11-25T10:00:00+00:00",
                    "request_id": "req_5f2c…",
                }
            ]
        }
    )

    id: str
    actor_type: str = Field(description="api_key, operator, cli, user or system")
    actor_id: str
    object_type: str
    object_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    tenant_time: datetime = Field(description="The tenant clock when the change happened")
    wall_time: datetime = Field(description="The real time when the change happened")
    request_id: str | None


@router.get(
    "",
    response_model=ListOf[AuditEventOut],
    summary="List audit events (newest first)",
    responses=problem_responses(),
)
def list_audit_events(
    ctx: Context,
    page: Pagination,
    object_type: Annotated[str | None, Query(description="e.g. api_key, tenant, clock")] = None,
    object_id: Annotated[str | None, Query(description="Events of one object")] = None,
    action: Annotated[str | None, Query(description="e.g. created, revoked")] = None,
) -> ListOf[AuditEventOut]:
    result = audit.list_events(
        ctx, page, object_type=object_type, object_id=object_id, action=action
    )
    return ListOf[AuditEventOut](
        data=[AuditEventOut.model_validate(r) for r in result.data], has_more=result.has_more
    )
