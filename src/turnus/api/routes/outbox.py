"""The mail outbox: every mail Turnus sends for the merchant (invoices, credit notes,
cancellation invoices, cancellation confirmations), its delivery state and errors, and a
retry of failed ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, problem_responses
from turnus.services.mail import outbox

router = APIRouter(prefix="/v1/outbox", tags=["mail outbox"], route_class=TenantRoute)

State = Literal["pending", "sent", "failed"]

_EXAMPLE: dict[str, Any] = {
    "id": "msg_01m8r1cz3few5b4bsx6fnjkffr",
    "kind": "invoice",
    "related_type": "invoice",
    "related_id": "inv_01m887c4g5frb9ztekvt48b713",
    "from_address": "abo@kaffee.example",
    "from_name": "Kaffeerösterei Beispiel GmbH",
    "reply_to": "service@kaffee.example",
    "to_address": "erika@example.com",
    "subject": "Ihre Rechnung RE-2026-000001 von Kaffeerösterei Beispiel GmbH",
    "attachments": [
        {
            "document_id": "doc_01m8r1d0x3d2m6v7k8p9q0r1s2",
            "filename": "RE-2026-000001.pdf",
            "media_type": "application/pdf",
        }
    ],
    "state": "sent",
    "attempts": 1,
    "next_attempt_at": None,
    "last_error": None,
    "sent_at": "2026-11-25T09:01:12+00:00",
    "created_at": "2026-11-25T10:00:00+01:00",
}


class AttachmentOut(BaseModel):
    filename: str
    media_type: str
    document_id: str | None = Field(
        None, description="The archived document; set once the mail was prepared for sending"
    )
    owner_id: str | None = Field(
        None, description="Before sending: the document's owner (the invoice), if not archived"
    )
    kind: str | None = Field(None, description="With owner_id: the document kind, e.g. pdf")


class OutboxMessageSummaryOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: str
    kind: str = Field(
        description="invoice, credit_note, cancellation (invoice) or cancellation_confirmation"
    )
    related_type: str | None = Field(description="invoice or contract")
    related_id: str | None
    from_address: str
    from_name: str | None
    reply_to: str | None
    to_address: str
    subject: str
    attachments: list[AttachmentOut]
    state: State = Field(description="pending (waiting to be sent), sent or failed")
    attempts: int = Field(description="Delivery attempts so far (since the last retry)")
    next_attempt_at: datetime | None = Field(description="Pending: the next attempt (real time)")
    last_error: str | None = Field(description="The SMTP server's answer to the last failure")
    sent_at: datetime | None = Field(description="Real time")
    created_at: datetime = Field(description="Tenant clock, when the mail was enqueued")


class OutboxMessageOut(OutboxMessageSummaryOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "body_text": "Guten Tag Erika Mustermann,\n\nanbei erhalten Sie …",
                    "body_html": "<!DOCTYPE html>…",
                }
            ]
        }
    )

    body_text: str
    body_html: str | None


@router.get(
    "",
    response_model=ListOf[OutboxMessageSummaryOut],
    summary="List mails (newest first, without bodies)",
    responses=problem_responses(),
)
def list_messages(
    ctx: Context,
    page: Pagination,
    state: Annotated[State | None, Query()] = None,
    kind: Annotated[
        str | None,
        Query(description="invoice, credit_note, cancellation, cancellation_confirmation"),
    ] = None,
    related_id: Annotated[
        str | None, Query(description="Mails about one invoice or contract")
    ] = None,
) -> ListOf[OutboxMessageSummaryOut]:
    result = outbox.list_messages(ctx, page, state=state, kind=kind, related_id=related_id)
    return ListOf[OutboxMessageSummaryOut](
        data=[OutboxMessageSummaryOut.model_validate(r) for r in result.data],
        has_more=result.has_more,
    )


@router.get(
    "/{message_id}",
    response_model=OutboxMessageOut,
    summary="Retrieve a mail with its text and HTML body",
    responses=problem_responses(404),
)
def get_message(message_id: str, ctx: Context) -> Any:
    return OutboxMessageOut.model_validate(outbox.get_message(ctx, message_id))


@router.post(
    "/{message_id}/retry",
    response_model=OutboxMessageOut,
    summary="Send a failed mail again (it becomes pending, with a fresh count of attempts)",
    responses=problem_responses(404, 409),
)
def retry_message(message_id: str, ctx: Context) -> Any:
    return OutboxMessageOut.model_validate(outbox.retry(ctx, message_id))
