"""The note an invoice must carry for a treatment that charges no VAT (§ 14 Abs. 4 Nr. 8 and
§ 14a UStG; Art. 226 VAT Directive), in German or English.

The German texts are the ones German tax practice expects: "Steuerschuldnerschaft des
Leistungsempfängers" is the wording § 14a Abs. 5 UStG prescribes for the reverse charge. The
English texts cite the VAT Directive (2006/112/EC), which an EU recipient's tax office knows.
``DOMESTIC`` and ``OSS`` lines charge VAT and need no note (None).
"""

from __future__ import annotations

from turnus.domain.tax.rules import TaxTreatment

SUPPORTED_LOCALES = ("de", "en")

_NOTES: dict[str, dict[TaxTreatment, str]] = {
    "de": {
        TaxTreatment.REVERSE_CHARGE: "Steuerschuldnerschaft des Leistungsempfängers",
        TaxTreatment.INTRA_COMMUNITY_SUPPLY: (
            "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b i. V. m. § 6a UStG)"
        ),
        TaxTreatment.EXPORT: "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG)",
        TaxTreatment.NOT_TAXABLE: "Nicht im Inland steuerbare Leistung",
        TaxTreatment.SMALL_BUSINESS: "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
        TaxTreatment.EXEMPT: "Steuerfreie Leistung",
    },
    "en": {
        TaxTreatment.REVERSE_CHARGE: (
            "Reverse charge: VAT is payable by the recipient of the service"
        ),
        TaxTreatment.INTRA_COMMUNITY_SUPPLY: (
            "VAT-exempt intra-Community supply of goods (Art. 138 Directive 2006/112/EC)"
        ),
        TaxTreatment.EXPORT: "VAT-exempt export of goods (Art. 146 Directive 2006/112/EC)",
        TaxTreatment.NOT_TAXABLE: (
            "Not subject to VAT in the EU: the place of supply is outside the EU"
        ),
        TaxTreatment.SMALL_BUSINESS: ("No VAT is charged: small business scheme under § 19 UStG."),
        TaxTreatment.EXEMPT: "VAT-exempt supply",
    },
}


def note(treatment: TaxTreatment, locale: str, exempt_reason: str | None = None) -> str | None:
    """The legally required note for ``treatment`` in ``locale`` ("de" or "en", any case), or
    None for ``DOMESTIC`` and ``OSS``. ``exempt_reason`` (e.g. "§ 4 Nr. 21 UStG") is appended in
    parentheses to the ``EXEMPT`` note and ignored for every other treatment; blank counts as
    none. Raises ``ValueError`` for another locale."""
    language = locale.strip().lower()
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}, not '{locale}'")
    treatment = TaxTreatment(treatment)
    text = _NOTES[language].get(treatment)
    if text is None:
        return None
    reason = (exempt_reason or "").strip()
    if treatment is TaxTreatment.EXEMPT and reason:
        return f"{text} ({reason})"
    return text
