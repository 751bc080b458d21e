"""The merchant's document settings: branding (logo, colours, sender line), the legal footer
(register, managing directors, bank details), an own invoice template, and the mail sender.
Every change is validated field by field and audited."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from jinja2 import Environment, TemplateSyntaxError
from stdnum import bic, iban
from stdnum.exceptions import ValidationError as NumberInvalid

from turnus.domain.errors import FieldError, ValidationFailed
from turnus.services import audit
from turnus.services.context import TenantContext
from turnus.store.document_tables import document_settings

DEFAULTS: dict[str, Any] = {
    "logo": None,
    "logo_media_type": None,
    "primary_color": "#1f3a5f",
    "accent_color": "#d97706",
    "sender_line": None,
    "bank_name": None,
    "iban": None,
    "bic": None,
    "register_court": None,
    "register_number": None,
    "managing_directors": None,
    "phone": None,
    "website": None,
    "footer_note": None,
    "template_html": None,
    "email_from": None,
    "email_from_name": None,
    "email_reply_to": None,
}
LOGO_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/svg+xml": (b"<svg", b"<?xml"),
}
MAX_LOGO_BYTES = 512 * 1024
MAX_TEMPLATE_CHARS = 200_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def get(ctx: TenantContext) -> dict[str, Any]:
    row = ctx.scope.first(ctx.scope.select(document_settings))
    return {**DEFAULTS, **(row or {})}


def _logo(value: str, media_type: str | None) -> tuple[bytes, str, list[FieldError]]:
    errors: list[FieldError] = []
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b"", "", [FieldError("/logo_base64", "is not valid base64")]
    if len(content) > MAX_LOGO_BYTES:
        errors.append(FieldError("/logo_base64", f"is larger than {MAX_LOGO_BYTES // 1024} KB"))
    if media_type not in LOGO_TYPES:
        errors.append(
            FieldError("/logo_media_type", f"must be one of {', '.join(sorted(LOGO_TYPES))}")
        )
    elif not content.lstrip().startswith(LOGO_TYPES[media_type]):
        errors.append(FieldError("/logo_base64", f"is not a {media_type} image"))
    return content, media_type or "", errors


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in changes.items():
        if name == "logo_base64":
            if value is None:
                values.update(logo=None, logo_media_type=None)
                continue
            content, media_type, found = _logo(value, changes.get("logo_media_type"))
            errors.extend(found)
            values.update(logo=content, logo_media_type=media_type)
        elif name == "logo_media_type":
            if "logo_base64" not in changes:
                errors.append(FieldError("/logo_media_type", "is set together with logo_base64"))
        elif name in ("primary_color", "accent_color"):
            if value is None or not _COLOR.fullmatch(value):
                errors.append(FieldError(f"/{name}", "must be a colour like #1f3a5f"))
            else:
                values[name] = value.lower()
        elif name == "iban" and value is not None:
            try:
                values[name] = iban.compact(iban.validate(value))
            except NumberInvalid:
                errors.append(FieldError("/iban", "is not a valid IBAN"))
        elif name == "bic" and value is not None:
            try:
                values[name] = bic.validate(value)
            except NumberInvalid:
                errors.append(FieldError("/bic", "is not a valid BIC"))
        elif name in ("email_from", "email_reply_to") and value is not None:
            if "@" not in value or value.strip() != value:
                errors.append(FieldError(f"/{name}", "must be an email address"))
            values[name] = value
        elif name == "template_html" and value is not None:
            if len(value) > MAX_TEMPLATE_CHARS:
                errors.append(FieldError("/template_html", "is longer than 200,000 characters"))
            try:
                Environment(autoescape=True).parse(value)
            except TemplateSyntaxError as exc:
                errors.append(
                    FieldError("/template_html", f"line {exc.lineno}: {exc.message or exc}")
                )
            values[name] = value
        else:
            values[name] = value.strip() or None if isinstance(value, str) else value
    if errors:
        raise ValidationFailed("The document settings are not valid.", errors)
    return values


def update(ctx: TenantContext, changes: dict[str, Any]) -> dict[str, Any]:
    before = get(ctx)
    values = _checked(changes)
    after = {**before, **values, "updated_at": ctx.now()}
    existing = ctx.scope.first(ctx.scope.select(document_settings))
    stored = {k: after[k] for k in (*DEFAULTS, "updated_at")}
    if existing is None:
        ctx.scope.insert(document_settings, stored)
    else:
        ctx.uow.connection.execute(ctx.scope.update_statement(document_settings).values(stored))
    audit.record(
        ctx,
        object_type="document_settings",
        object_id=ctx.tenant_id,
        action="updated",
        before=_audited(before),
        after=_audited(after),
    )
    return after


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in values.items() if k not in ("logo", "updated_at")}
    shown["logo_size"] = len(values["logo"]) if values.get("logo") else None
    return shown
