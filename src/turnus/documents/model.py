"""What an issued billing document shows, independent of its format: the input of the PDF
renderer and of the e-invoice (CII) writer. Built by ``turnus.services.documents.source`` from
the stored, immutable invoice; money is int minor units of ``currency``, rates are percent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    house_number: str | None
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    vat_id: str | None = None
    tax_number: str | None = None  # German Steuernummer (seller only)
    email: str | None = None
    phone: str | None = None
    address_line_2: str | None = None
    buyer_reference: str | None = None  # Leitweg-ID (buyer only; XRechnung BT-10)
    customer_number: str | None = None  # the merchant's id for the buyer


@dataclass(frozen=True)
class Line:
    position: int
    description: str
    quantity: Decimal
    net_amount: int  # the line's net (BT-131); the lines of a tax group sum to its net
    amount: int  # as billed: net, or gross when the invoice's prices include tax
    tax_treatment: str  # turnus.domain.tax.rules.TaxTreatment value
    tax_rate: Decimal
    tax_country: str
    service_from: date | None = None
    service_until: date | None = None  # inclusive last day of service (as printed)


@dataclass(frozen=True)
class TaxGroup:
    treatment: str
    country: str
    rate: Decimal
    net: int
    tax: int
    gross: int
    exemption_note: str | None = None  # the legally required note, for 0 % groups


@dataclass(frozen=True)
class DirectDebit:
    """SEPA direct debit of the amount due: the pre-notification printed on the invoice and
    BT-89..91 in the e-invoice."""

    mandate_reference: str
    creditor_id: str
    debtor_iban: str
    debit_date: date


@dataclass(frozen=True)
class Payment:
    due_date: date | None
    terms_days: int
    iban: str | None = None  # the merchant's account for transfers
    bic: str | None = None
    bank_name: str | None = None
    direct_debit: DirectDebit | None = None


@dataclass(frozen=True)
class Branding:
    primary_color: str = "#1f3a5f"
    accent_color: str = "#d97706"
    logo: bytes | None = None
    logo_media_type: str | None = None
    sender_line: str | None = None
    register_court: str | None = None
    register_number: str | None = None
    managing_directors: str | None = None
    website: str | None = None
    footer_note: str | None = None
    template_html: str | None = None  # the merchant's own template, replacing the default


@dataclass(frozen=True)
class BillingDocument:
    id: str
    document_type: str  # invoice, credit_note, cancellation
    number: str
    issue_date: date
    currency: str
    locale: str  # de or en: the customer's language
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    tax_groups: tuple[TaxGroup, ...]
    net_total: int
    tax_total: int
    gross_total: int
    credit_applied: int
    amount_due: int
    prices_include_tax: bool
    payment: Payment
    notes: tuple[str, ...] = ()
    service_from: date | None = None
    service_until: date | None = None  # inclusive
    corrects_number: str | None = None  # the invoice a credit note or cancellation refers to
    corrects_issue_date: date | None = None
    reason: str | None = None
    branding: Branding = field(default_factory=Branding)

    @property
    def small_business(self) -> bool:
        return any(group.treatment == "small_business" for group in self.tax_groups)
