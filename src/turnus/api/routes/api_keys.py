"""API keys of the calling merchant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, problem_responses
from turnus.services import api_keys

router = APIRouter(prefix="/v1/api_keys", tags=["api keys"], route_class=TenantRoute)

KEY_EXAMPLE: dict[str, Any] = {
    "id": "key_01jdz8q6s3m4x7c2v9b5n0k1ht",
    "name": "CRM integration",
    "mode": "live",
    "prefix": "tk_live_Q2x9LmZ0",
    "created_at": "2026-11-25T09:00:00+00:00",
    "revoked_at": None,
}


class ApiKeyCreate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "CRM integration"}]})

    name: str = Field(min_length=1, max_length=100, description="What the key is used for")


class ApiKeyOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [KEY_EXAMPLE]})

    id: str
    name: str
    mode: str = Field(description="live or sandbox, as the merchant")
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**KEY_EXAMPLE, "secret": "tk_live_Q2x9LmZ0…"}]}
    )

    secret: str = Field(description="Shown only in this response; store it safely")


def key_out(row: dict[str, Any]) -> ApiKeyOut:
    return ApiKeyOut.model_validate(row)


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key (the secret is shown once)",
    responses=problem_responses(409),
)
def create_key(body: ApiKeyCreate, ctx: Context) -> ApiKeyCreated:
    row, secret = api_keys.create_key(ctx, body.name)
    return ApiKeyCreated.model_validate({**row, "secret": secret})


@router.get(
    "",
    response_model=ListOf[ApiKeyOut],
    summary="List API keys (newest first)",
    responses=problem_responses(),
)
def list_keys(ctx: Context, page: Pagination) -> ListOf[ApiKeyOut]:
    result = api_keys.list_keys(ctx, page)
    return ListOf[ApiKeyOut](data=[key_out(r) for r in result.data], has_more=result.has_more)


@router.get(
    "/{key_id}",
    response_model=ApiKeyOut,
    summary="Retrieve an API key",
    responses=problem_responses(404),
)
def get_key(key_id: str, ctx: Context) -> ApiKeyOut:
    return key_out(api_keys.get_key(ctx, key_id))


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyOut,
    summary="Revoke an API key",
    responses=problem_responses(404, 409),
)
def revoke_key(key_id: str, ctx: Context) -> ApiKeyOut:
    return key_out(api_keys.revoke_key(ctx, key_id))
