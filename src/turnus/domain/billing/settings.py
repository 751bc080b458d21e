"""A merchant's billing settings and their rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from turnus.domain.errors import FieldError, ValidationFailed


class NegativeInvoices(StrEnum):
    """What happens when the credits on an invoice exceed its charges."""

    CREDIT_BALANCE = "credit_balance"  # the excess becomes the customer's credit balance
    CREDIT_NOTE = "credit_note"  # the document is issued as a credit note (a refund is owed)


@dataclass(frozen=True)
class BillingSettings:
    prices_include_tax: bool = False  # catalog prices are gross (B2C shops) or net
    small_business: bool = False  # Kleinunternehmer, § 19 UStG: no VAT is charged
    oss_registered: bool = True  # EU B2C digital services and distance sales: destination rate
    invoice_number_format: str = "RE-{YYYY}-{SEQ:06}"
    credit_note_number_format: str = "GS-{YYYY}-{SEQ:06}"
    cancellation_number_format: str = "ST-{YYYY}-{SEQ:06}"
    payment_terms_days: int = 14
    draft_grace_days: int = 0  # drafts stay editable this long before they are finalized
    usage_grace_days: int = 3  # usage reported this many days after a period's end still counts
    negative_invoices: NegativeInvoices = NegativeInvoices.CREDIT_BALANCE


_DAY_LIMITS = {"payment_terms_days": 365, "draft_grace_days": 30, "usage_grace_days": 60}


def settings_errors(settings: BillingSettings) -> list[FieldError]:
    # imported here: numbering imports nothing from settings, settings validates formats
    from turnus.domain.billing.numbering import format_errors

    errors: list[FieldError] = []
    for name, limit in _DAY_LIMITS.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            errors.append(FieldError(f"/{name}", f"must be a whole number from 0 to {limit}"))
    formats = {
        name: getattr(settings, name)
        for name in (
            "invoice_number_format",
            "credit_note_number_format",
            "cancellation_number_format",
        )
    }
    for name, value in formats.items():
        errors.extend(format_errors(value, f"/{name}"))
    prefixes: dict[str, str] = {}
    for name, value in formats.items():
        literal = value.split("{", 1)[0]
        if literal in prefixes:
            errors.append(
                FieldError(
                    f"/{name}",
                    f"must start differently from {prefixes[literal]} so numbers never collide",
                )
            )
        prefixes[literal] = name
    return errors


def validated(settings: BillingSettings) -> BillingSettings:
    errors = settings_errors(settings)
    if errors:
        raise ValidationFailed("The billing settings are not valid.", errors)
    return settings
