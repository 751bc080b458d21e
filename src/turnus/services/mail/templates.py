"""The texts of the mails Turnus sends, in German or English by the customer's locale: Jinja2
templates in ``templates/``, one ``<name>.<language>.txt`` (blocks ``subject`` and ``body``)
and one ``<name>.<language>.html`` (escaped, extends ``layout.html``) per mail.

Money is int minor units of a currency, formatted for the language (``12,34 €``, ``€12.34``);
dates are long dates (``9. Dezember 2026``, ``December 9, 2026``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import escape

from turnus.domain.money import to_major_units

LANGUAGES = ("de", "en")

# document_type -> template
INVOICE_TEMPLATES = {
    "invoice": "invoice",
    "credit_note": "correction",
    "cancellation": "correction",
}


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str | None


def language_of(locale: str | None) -> str:
    """German for German-speaking customers (``de``, ``de-AT``, ``de_CH``), else English."""
    return "de" if (locale or "").strip().lower()[:2] == "de" else "en"


# A billing run mails thousands of documents with a few distinct amounts and dates: Babel's
# formatting is by far the dearest part of a mail, so each distinct value is formatted once.
@lru_cache(maxsize=8192)
def money(amount: int, currency: str, language: str) -> str:
    return str(format_currency(to_major_units(amount, currency), currency, locale=language))


@lru_cache(maxsize=1024)
def long_date(day: date, language: str) -> str:
    return str(format_date(day, format="long", locale=language))


@pass_context
def _money(context: Context, amount: int, currency: str) -> str:
    return money(amount, currency, context["language"])


@pass_context
def _date(context: Context, value: date | str | None) -> str:
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return long_date(day, context["language"])


@pass_context
def _datetime(context: Context, value: datetime | str) -> str:
    """A long date and time, in the ``timezone`` of the values (named: "MEZ"), if given."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = context.get("timezone")
    if zone:
        moment = moment.astimezone(ZoneInfo(zone))
    return str(
        format_datetime(moment, format="long", tzinfo=moment.tzinfo, locale=context["language"])
    )


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("turnus.services.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(money=_money, date=_date, datetime=_datetime)
    return env


_env = _environment()


def render(name: str, language: str, values: Mapping[str, Any]) -> Mail:
    """Render the mail ``name`` in ``language`` (de or en) with ``values``."""
    if language not in LANGUAGES:
        raise ValueError(f"no mail templates in language {language!r}")
    data = {**values, "language": language}
    text = _env.get_template(f"{name}.{language}.txt")
    context = text.new_context(data)
    subject = " ".join("".join(text.blocks["subject"](context)).split())
    body = "".join(text.blocks["body"](context)).strip() + "\n"
    html = _env.get_template(f"{name}.{language}.html").render(data)
    return Mail(subject=subject, text=body, html=html)


# A billing run mails thousands of invoices that differ, besides number and name, in a few
# amounts and dates: the mail is rendered once per such shape, with markers for the number and
# the name, which are then put in (escaped in the HTML). So templates print ``number`` and
# ``greeting_name`` as they are, without filters, and test only whether a name is given.
_NUMBER = "\x00number\x00"
_NAME = "\x00greeting_name\x00"


@lru_cache(maxsize=4096)
def _invoice_shape(
    template: str, language: str, has_name: bool, values: tuple[tuple[str, Any], ...]
) -> Mail:
    data = {**dict(values), "number": _NUMBER, "greeting_name": _NAME if has_name else None}
    return render(template, language, data)


def invoice_mail(
    invoice: Mapping[str, Any],
    *,
    language: str,
    greeting_name: str | None,
    merchant: str,
    corrected_number: str | None = None,
) -> Mail:
    """The mail that sends an issued invoice, credit note or cancellation invoice."""
    document_type = invoice["document_type"]
    values = (
        ("document_type", document_type),
        ("issue_date", invoice["issue_date"]),
        ("due_date", invoice["due_date"]),
        ("currency", invoice["currency"]),
        ("gross", invoice["gross_total"]),
        ("amount_due", invoice["amount_due"]),
        ("credit_applied", invoice["credit_applied"]),
        ("reason", invoice.get("reason")),
        ("corrected_number", corrected_number),
        ("merchant", merchant),
    )
    shape = _invoice_shape(INVOICE_TEMPLATES[document_type], language, bool(greeting_name), values)
    number = str(invoice["number"])
    name = greeting_name or ""
    html = shape.html
    if html is not None:
        html = html.replace(_NUMBER, str(escape(number))).replace(_NAME, str(escape(name)))
    return Mail(
        subject=shape.subject.replace(_NUMBER, number).replace(_NAME, name),
        text=shape.text.replace(_NUMBER, number).replace(_NAME, name),
        html=html,
    )


# The values of an invoice mail as stored with an outbox message (JSON) until it is rendered:
# the document as issued (its amount due may change later, the mail does not).
_DOCUMENT_FIELDS = (
    "document_type",
    "number",
    "currency",
    "gross_total",
    "amount_due",
    "credit_applied",
    "reason",
)


def stored_invoice_mail(
    invoice: Mapping[str, Any],
    *,
    language: str,
    greeting_name: str | None,
    merchant: str,
    corrected_number: str | None = None,
) -> dict[str, Any]:
    """The template of an invoice mail (``invoice_mail``'s arguments, JSON-safe), for an outbox
    message rendered when it is first read or sent (``from_stored``)."""
    document = {name: invoice.get(name) for name in _DOCUMENT_FIELDS}
    document["issue_date"] = invoice["issue_date"].isoformat()
    document["due_date"] = invoice["due_date"].isoformat() if invoice["due_date"] else None
    return {
        "name": "invoice",
        "language": language,
        "greeting_name": greeting_name,
        "merchant": merchant,
        "corrected_number": corrected_number,
        "document": document,
    }


def from_stored(template: Mapping[str, Any]) -> Mail:
    """Render a mail stored by ``stored_invoice_mail``."""
    if template.get("name") != "invoice":
        raise ValueError(f"no stored mail template {template.get('name')!r}")
    document = dict(template["document"])
    document["issue_date"] = date.fromisoformat(document["issue_date"])
    if document["due_date"]:
        document["due_date"] = date.fromisoformat(document["due_date"])
    return invoice_mail(
        document,
        language=template["language"],
        greeting_name=template["greeting_name"],
        merchant=template["merchant"],
        corrected_number=template["corrected_number"],
    )


def cancellation_mail(
    confirmation: Mapping[str, Any],
    *,
    contract_id: str,
    greeting_name: str | None,
    merchant: str,
    consumer: bool,
    timezone: str | None = None,
) -> Mail:
    """The written confirmation of a cancellation (§ 312k BGB) in the language it was written
    in: the confirmation text stored with the cancellation, its time of receipt and the last
    day of the contract. ``timezone``: the merchant's, to name the time of receipt in."""
    values = {
        "text": confirmation["text"],
        "received_at": confirmation["received_at"],
        "last_day": confirmation["last_day_served"],
        "contract_id": contract_id,
        "greeting_name": greeting_name,
        "merchant": merchant,
        "consumer": consumer,
        "timezone": timezone,
    }
    return render("cancellation_confirmation", language_of(confirmation["locale"]), values)
