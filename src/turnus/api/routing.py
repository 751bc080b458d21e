"""Route classes that wrap every authenticated endpoint in the same envelope:

1. authenticate (API key or operator token),
2. for a POST with ``Idempotency-Key``: claim the key, or replay the stored response,
3. run the endpoint inside one unit of work,
4. commit on success (storing the idempotent response in the same transaction), roll back on
   any error so bad input changes nothing, and answer errors as RFC 9457 problems.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from turnus.api import problems
from turnus.api.runtime import Runtime, runtime_of
from turnus.domain.errors import Unauthorized
from turnus.services import idempotency
from turnus.services.api_keys import authenticate
from turnus.services.context import Actor
from turnus.services.uow import UnitOfWork

REPLAY_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("content-type", "location")


@dataclass(frozen=True)
class Caller:
    """The authenticated caller. ``scope_id`` partitions idempotency keys (the tenant id)."""

    scope_id: str
    tenant_id: str | None
    actor: Actor


class _EnvelopedRoute(APIRoute):
    def identify(self, request: Request, runtime: Runtime) -> Caller:
        raise NotImplementedError

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()

        async def enveloped(request: Request) -> Response:
            runtime = runtime_of(request)
            try:
                caller = await run_in_threadpool(self.identify, request, runtime)
            except Exception as exc:
                return problems.from_exception(request, exc)
            request.state.caller = caller
            request.state.tenant_id = caller.tenant_id
            key = request.headers.get("idempotency-key")
            if request.method != "POST" or key is None:
                return await _run(request, runtime, endpoint, caller, None)
            try:
                idempotency.validate_key(key)
                body = await request.body()
                print_ = idempotency.fingerprint(
                    request.method, request.url.path, request.url.query, body
                )
                stored = await run_in_threadpool(
                    idempotency.claim,
                    runtime.engine,
                    caller.scope_id,
                    key,
                    print_,
                    runtime.wall_clock.now(),
                    timedelta(hours=runtime.settings.idempotency_ttl_hours),
                )
            except Exception as exc:
                return problems.from_exception(request, exc)
            if stored is not None:
                return Response(
                    content=stored.body,
                    status_code=stored.status,
                    headers={**stored.headers, REPLAY_HEADER: "true"},
                )
            return await _run(request, runtime, endpoint, caller, key)

        return enveloped


async def _run(
    request: Request,
    runtime: Runtime,
    endpoint: Callable[[Request], Coroutine[Any, Any, Response]],
    caller: Caller,
    key: str | None,
) -> Response:
    uow = UnitOfWork(runtime.engine)
    request.state.uow = uow
    try:
        try:
            response = await endpoint(request)
        except Exception as exc:
            response = problems.from_exception(request, exc)
        if response.status_code < 400:
            try:
                if key is not None:
                    idempotency.complete(uow.connection, caller.scope_id, key, _stored(response))
                await run_in_threadpool(uow.commit)
            except Exception as exc:
                response = problems.from_exception(request, exc)
        await run_in_threadpool(uow.close)
    except BaseException:
        await run_in_threadpool(uow.close)
        raise
    if key is not None and response.status_code >= 400:
        await run_in_threadpool(_finish_failed, runtime, caller.scope_id, key, response)
    return response


def _stored(response: Response) -> idempotency.StoredResponse:
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    return idempotency.StoredResponse(
        status=response.status_code, body=bytes(response.body).decode(), headers=headers
    )


def _finish_failed(runtime: Runtime, scope_id: str, key: str, response: Response) -> None:
    """A refused request is answered the same way on retry; a server error may be retried."""
    if response.status_code >= 500:
        idempotency.release(runtime.engine, scope_id, key)
        return
    with runtime.engine.begin() as connection:
        idempotency.complete(connection, scope_id, key, _stored(response))


class TenantRoute(_EnvelopedRoute):
    """Endpoints under /v1: the caller is an API key and everything is scoped to its tenant."""

    def identify(self, request: Request, runtime: Runtime) -> Caller:
        with UnitOfWork(runtime.engine) as uow:
            principal = authenticate(uow, request.headers.get("authorization"))
        request.state.principal = principal
        return Caller(
            scope_id=principal.tenant_id,
            tenant_id=principal.tenant_id,
            actor=Actor("api_key", principal.api_key_id),
        )


OPERATOR_SCOPE = "operator"


class OperatorRoute(_EnvelopedRoute):
    """Endpoints under /operator/v1: the caller holds the operator token."""

    def identify(self, request: Request, runtime: Runtime) -> Caller:
        configured = runtime.settings.operator_key
        if configured is None:
            raise Unauthorized(
                "The operator API is disabled; set TURNUS_OPERATOR_KEY to enable it."
            )
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), configured.get_secret_value().encode()
        ):
            raise Unauthorized("Send the operator key as 'Authorization: Bearer <key>'.")
        return Caller(scope_id=OPERATOR_SCOPE, tenant_id=None, actor=Actor("operator", "operator"))
