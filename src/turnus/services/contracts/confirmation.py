"""The written confirmation of a cancellation (§312k BGB): content, time of receipt and the
effective end, in the customer's language. Stored with the cancellation; later sent by email."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

from turnus.domain.contracts.lifecycle import CancellationKind

_KINDS = {
    "de": {
        # genitive, as in "den Eingang Ihrer ordentlichen Kündigung"
        CancellationKind.ORDINARY: "Ihrer ordentlichen Kündigung",
        CancellationKind.IMMEDIATE: "der sofortigen Beendigung",
        CancellationKind.EXTRAORDINARY: "Ihrer außerordentlichen Kündigung",
        CancellationKind.WITHDRAWAL: "Ihres Widerrufs",
    },
    "en": {
        CancellationKind.ORDINARY: "ordinary cancellation",
        CancellationKind.IMMEDIATE: "immediate termination",
        CancellationKind.EXTRAORDINARY: "extraordinary cancellation",
        CancellationKind.WITHDRAWAL: "withdrawal",
    },
}


def cancellation_confirmation(
    *,
    locale: str,
    contract_id: str,
    kind: CancellationKind,
    received_at: datetime,
    end: date,
    reason: str | None,
) -> dict[str, str]:
    language = "de" if locale == "de" else "en"
    last_day = date.fromordinal(end.toordinal() - 1)
    received = format_datetime(
        received_at, format="long", locale=language, tzinfo=received_at.tzinfo
    )
    served_until = format_date(last_day, format="long", locale=language)
    what = _KINDS[language][kind]
    if language == "de":
        text = (
            f"Wir bestätigen den Eingang {what} des Vertrags {contract_id} am "
            f"{received}. Der Vertrag endet mit Ablauf des {served_until}."
        )
        if reason:
            text += f" Angegebener Grund: {reason}."
    else:
        text = (
            f"We confirm receipt of your {what} of contract {contract_id} on {received}. "
            f"The contract ends at the end of {served_until}."
        )
        if reason:
            text += f" Reason given: {reason}."
    return {
        "locale": language,
        "received_at": received_at.isoformat(),
        "effective_end": end.isoformat(),
        "last_day_served": last_day.isoformat(),
        "text": text,
    }
