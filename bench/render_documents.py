"""Benchmark of invoice PDF rendering: N documents with 3-10 lines each, built from the sample
documents of ``tests/document_fixtures.py`` (every tax situation, credit notes, cancellation
invoices, direct debit) with varied lines, rendered by ``turnus.documents.pdf.render_pdf`` as
PDF/A-3b with the Factur-X XML (``turnus.documents.einvoice.cii_xml``) embedded.

    .venv/bin/python bench/render_documents.py --count 200
    .venv/bin/python bench/render_documents.py --count 50 --profile   # cProfile top 30

Prints milliseconds per document (p50/p95/max, wall clock and this process's CPU time) for the
XML, the PDF with the XML embedded, and both; and documents per second in one process. Two
documents are rendered first, untimed (fonts and the stylesheet are loaded once per process).
The PDFs are checked: each carries ``factur-x.xml`` byte for byte. ``--out DIR`` keeps them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.document_fixtures

from tests.document_fixtures import ALL  # noqa: E402

from turnus.documents.model import BillingDocument, Line, TaxGroup  # noqa: E402
from turnus.documents.pdf import render_pdf  # noqa: E402

try:
    from turnus.documents.einvoice import cii_xml
except ImportError:  # the e-invoice writer is not there yet: PDFs without XML
    cii_xml = None

ITEMS = (
    ("Kaffee-Abo Classic - monatlich", 1490, True),
    ("Espresso-Bohnen Crema, 1 kg", 2290, False),
    ("Überraschungsbox", 690, True),
    ("Filterpapier Größe 4 (100 Stück)", 349, False),
    ("Entkalker für Siebträgermaschinen", 1195, False),
    ("Barista-Kurs online (Zugang 3 Monate)", 4900, True),
    ("Kaffeemühle mit Kegelmahlwerk", 4900, False),
    ("Versandkosten", 495, False),
    ("Cloud-Speicher 100 GB", 299, True),
    (
        "Support-Paket Premium inkl. Telefon-Hotline und Vor-Ort-Termin nach Vereinbarung",
        9900,
        True,
    ),
)
QUANTITIES = (Decimal(1), Decimal(1), Decimal(2), Decimal(3), Decimal("0.5"), Decimal("1.25"))


def _tax(net: int, rate: Decimal) -> int:
    return int((Decimal(net) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def varied(base: BillingDocument, index: int, rng: random.Random) -> BillingDocument:
    """``base`` with 3-10 new lines of its tax situation, tax groups and totals recomputed."""
    sign = -1 if base.document_type in ("credit_note", "cancellation") else 1
    template = base.lines[0]
    lines = []
    for position in range(1, rng.randint(3, 10) + 1):
        description, price, periodic = rng.choice(ITEMS)
        quantity = rng.choice(QUANTITIES)
        net = sign * int((price * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        rate = template.tax_rate
        if template.tax_treatment == "domestic":
            rate = Decimal(rng.choice((7, 19)))
        start = base.issue_date
        lines.append(
            Line(
                position,
                description,
                quantity,
                net,
                net,
                template.tax_treatment,
                rate,
                template.tax_country,
                start,
                start + timedelta(days=29) if periodic else None,
            )
        )
    groups: dict[tuple[str, str, Decimal], int] = {}
    for line in lines:
        key = (line.tax_treatment, line.tax_country, line.tax_rate)
        groups[key] = groups.get(key, 0) + line.net_amount
    notes = {g.treatment: g.exemption_note for g in base.tax_groups}
    tax_groups = tuple(
        TaxGroup(t, c, r, net, _tax(net, r), net + _tax(net, r), notes.get(t))
        for (t, c, r), net in sorted(groups.items(), key=lambda item: -item[0][2])
    )
    net_total = sum(g.net for g in tax_groups)
    tax_total = sum(g.tax for g in tax_groups)
    gross = net_total + tax_total
    credit = min(rng.choice((0, 0, 0, 500)), gross) if sign > 0 else 0
    return replace(
        base,
        id=f"{base.id[:-6]}{index:06d}",
        number=f"{base.number[:8]}{index:06d}",
        lines=tuple(lines),
        tax_groups=tax_groups,
        net_total=net_total,
        tax_total=tax_total,
        gross_total=gross,
        credit_applied=credit,
        amount_due=max(gross - credit, 0) if sign > 0 else 0,
        service_from=base.issue_date,
        service_until=base.issue_date + timedelta(days=29),
        issue_date=base.issue_date + timedelta(days=index % 28),
    )


def documents(count: int, seed: int) -> list[BillingDocument]:
    rng = random.Random(seed)
    makers = list(ALL.values())
    return [varied(makers[i % len(makers)](), i, rng) for i in range(count)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"{name:<22} p50 {statistics.median(wall):6.1f} ms  p95 {percentile(wall, 95):6.1f} ms"
        f"  max {max(wall):6.1f} ms   (CPU p50 {statistics.median(cpu):6.1f} ms,"
        f" p95 {percentile(cpu, 95):6.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--profile", action="store_true", help="print the cProfile top 30")
    parser.add_argument("--out", type=Path, help="write the PDFs to this directory")
    args = parser.parse_args()

    docs = documents(args.count, args.seed)
    if cii_xml is None:
        print("turnus.documents.einvoice.cii_xml not found: PDFs WITHOUT embedded XML")
    for warm in documents(2, args.seed + 1):  # fonts, stylesheet, templates, XSD
        render_pdf(warm, cii_xml(warm) if cii_xml else None)

    profiler = cProfile.Profile() if args.profile else None
    xml_wall, xml_cpu, pdf_wall, pdf_cpu, all_wall, all_cpu = [], [], [], [], [], []
    outputs: list[tuple[bytes | None, bytes]] = []
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for doc in docs:
        w0, c0 = time.perf_counter(), time.process_time()
        xml = cii_xml(doc) if cii_xml else None
        w1, c1 = time.perf_counter(), time.process_time()
        pdf = render_pdf(doc, xml)
        w2, c2 = time.perf_counter(), time.process_time()
        xml_wall.append((w1 - w0) * 1000)
        xml_cpu.append((c1 - c0) * 1000)
        pdf_wall.append((w2 - w1) * 1000)
        pdf_cpu.append((c2 - c1) * 1000)
        all_wall.append((w2 - w0) * 1000)
        all_cpu.append((c2 - c0) * 1000)
        outputs.append((xml, pdf))
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()

    pages = []
    for i, (xml, pdf) in enumerate(outputs):
        reader = PdfReader(io.BytesIO(pdf))
        pages.append(len(reader.pages))
        if xml is not None:
            files = reader.attachments
            assert files.get("factur-x.xml") == [xml], f"document {i}: factur-x.xml missing"
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{docs[i].number}.pdf").write_bytes(pdf)

    lines = [len(d.lines) for d in docs]
    sizes = [len(pdf) for _, pdf in outputs]
    print(
        f"{len(docs)} documents, {min(lines)}-{max(lines)} lines (mean "
        f"{statistics.mean(lines):.1f}), PDF {min(sizes) // 1024}-{max(sizes) // 1024} KiB,"
        f" XML embedded: {'yes' if cii_xml else 'no'}"
    )
    if cii_xml:
        print(summary("XML (cii_xml)", xml_wall, xml_cpu))
    print(summary("PDF incl. embedding", pdf_wall, pdf_cpu))
    print(summary("XML + PDF", all_wall, all_cpu))
    for count in sorted(set(pages)):
        wall = [w for w, n in zip(pdf_wall, pages, strict=True) if n == count]
        cpu = [c for c, n in zip(pdf_cpu, pages, strict=True) if n == count]
        print(summary(f"  PDF, {count} page(s) x{len(wall)}", wall, cpu))
    print(f"throughput: {len(docs) / elapsed:.1f} documents/s (one process)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
