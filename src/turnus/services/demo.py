"""The demo merchant that `make run` seeds: a sandbox tenant with an API key. Idempotent."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from turnus.domain.clock import TenantMode
from turnus.domain.tenant import TenantProfile
from turnus.services import api_keys, tenants
from turnus.services.context import Actor, TenantContext
from turnus.services.demo_catalog import seed_catalog
from turnus.services.demo_customers import seed_customers
from turnus.services.demo_history import HISTORY_DAYS, seed_history
from turnus.services.documents import settings as document_settings
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock, WallClock
from turnus.store.tables import tenants as tenants_table

DEMO_COMPANY = "Turnus Demo Kaffeerösterei GmbH"
SEEDER = Actor("cli", "demo-seed")

DEMO_PROFILE = TenantProfile(
    company_name=DEMO_COMPANY,
    street="Rosenthaler Straße",
    house_number="40",
    postcode="10178",
    city="Berlin",
    country="DE",
    vat_id="DE136695976",
    tax_number="2181508150",
    email="abo@demo.turnus.invalid",
    mode=TenantMode.SANDBOX,
)


# The demo's letterhead: a simple coffee-bean logo, its colours and the legal footer.
DEMO_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="210" height="40" viewBox="0 0 210 40">'
    '<ellipse cx="20" cy="20" rx="13" ry="17" fill="#5b3a1e" transform="rotate(-25 20 20)"/>'
    '<path d="M14 8 C24 16 16 26 26 33" stroke="#d9a066" stroke-width="2.5" fill="none"/>'
    '<text x="40" y="26" font-family="DejaVu Sans" font-size="15" font-weight="bold" '
    'fill="#5b3a1e">Turnus Demo</text></svg>'
)
DEMO_DOCUMENTS = {
    "logo_base64": base64.b64encode(DEMO_LOGO.encode()).decode(),
    "logo_media_type": "image/svg+xml",
    "primary_color": "#5b3a1e",
    "accent_color": "#d9a066",
    "sender_line": "Turnus Demo Kaffeerösterei GmbH · Rosenthaler Straße 40 · 10178 Berlin",
    "bank_name": "Demo Bank Berlin",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "register_court": "Amtsgericht Berlin-Charlottenburg",
    "register_number": "HRB 123456 B",
    "managing_directors": "Anna Beispiel, Jonas Muster",
    "phone": "+49 30 1234567",
    "website": "https://demo.turnus.invalid",
    "email_from": "abo@demo.turnus.invalid",
    "email_from_name": "Turnus Demo Kaffeerösterei",
}


@dataclass(frozen=True)
class DemoMerchant:
    tenant_id: str
    api_key: str
    created: bool


def seed_demo(uow: UnitOfWork, wall_clock: WallClock, key_file: Path) -> DemoMerchant:
    """Create the demo merchant once. Its API key secret is kept in ``key_file`` (local demo
    only) so later starts can print it; if that file is gone, a fresh key is issued."""
    existing = uow.connection.execute(
        select(tenants_table.c.id).where(tenants_table.c.company_name == DEMO_COMPANY)
    ).scalar()
    created = existing is None
    now = wall_clock.now()
    # The sandbox clock starts a year back; the history advances it to today.
    year_ago = FixedWallClock(now - timedelta(days=HISTORY_DAYS))
    tenant_id = (
        existing
        or tenants.create_tenant(uow, DEMO_PROFILE, actor=SEEDER, wall_clock=year_ago)["id"]
    )
    ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=SEEDER, wall_clock=wall_clock)
    if created:
        document_settings.update(ctx, DEMO_DOCUMENTS)
        catalog = seed_catalog(ctx)
        seed_history(ctx, catalog, now.astimezone(ZoneInfo(ctx.clock.timezone)).date())
        seed_customers(ctx, catalog)
    secret = _read_key(key_file, tenant_id)
    if secret is None:
        _, secret = api_keys.create_key(ctx, "demo key")
        _write_key(key_file, tenant_id, secret)
    return DemoMerchant(tenant_id=tenant_id, api_key=secret, created=created)


def _read_key(key_file: Path, tenant_id: str) -> str | None:
    if not key_file.exists():
        return None
    stored_tenant, _, secret = key_file.read_text().strip().partition(" ")
    return secret if stored_tenant == tenant_id and secret else None


def _write_key(key_file: Path, tenant_id: str, secret: str) -> None:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{tenant_id} {secret}\n")
