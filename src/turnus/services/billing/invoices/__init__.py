"""Invoice documents after the billing run: search, editing drafts, finalization, corrections
(credit notes, cancellations) and the payment state.

The life of an invoice::

    draft --finalize--> open (or paid, when credit balance covers it)
    draft --delete----> gone; the next billing run bills its contract items again
    open  --mark_paid / mark_uncollectible--> paid / uncollectible
    open  --void--> void, with a cancellation document (Stornorechnung) and optionally a
                    corrected draft
    open | paid --credit note--> amount_due reduced (open) or customer credit balance (paid)

A finalized document is never changed again (GoBD): only its payment state, its amount due and
``voided_at`` move. Corrections are documents of their own, finalized at once, numbered in
their own series, referencing the original (``corrects_id``), and settled when issued (state
``paid``, nothing due): a credit note's amount reduces the original's amount due, a
cancellation cancels it. Items of correction documents and of corrected drafts carry no
contract, so the billing engine never reads them as billed contract lines.

Everything runs in the caller's unit of work: a refused request writes nothing."""

from turnus.services.billing.invoices.common import MAX_LINE_AMOUNT, MAX_TOTAL
from turnus.services.billing.invoices.corrections import CreditLine, credit, void
from turnus.services.billing.invoices.editing import add_discount, add_line, delete_draft
from turnus.services.billing.invoices.finalization import finalize, finalize_due
from turnus.services.billing.invoices.payments import mark_paid, mark_uncollectible
from turnus.services.billing.invoices.queries import credit_balance, get_invoice, list_invoices

__all__ = [
    "MAX_LINE_AMOUNT",
    "MAX_TOTAL",
    "CreditLine",
    "add_discount",
    "add_line",
    "credit",
    "credit_balance",
    "delete_draft",
    "finalize",
    "finalize_due",
    "get_invoice",
    "list_invoices",
    "mark_paid",
    "mark_uncollectible",
    "void",
]
