"""The contracts' next billing dates move into a narrow table of their own,
``billing_schedule`` (see ``turnus.store.contract_tables``): a billing run rewrites those rows,
not the contracts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_schedule",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("next_billing_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_billing_schedule_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "contract_id", name=op.f("pk_billing_schedule")),
    )
    op.create_index(
        op.f("ix_billing_schedule_tenant_id_next_billing_date"),
        "billing_schedule",
        ["tenant_id", "next_billing_date"],
    )
    op.execute(
        "INSERT INTO billing_schedule (tenant_id, contract_id, customer_id, next_billing_date) "
        "SELECT tenant_id, id, customer_id, next_billing_date FROM contracts"
    )
    op.drop_index(op.f("ix_contracts_tenant_id_next_billing_date"), table_name="contracts")
    # SQLite drops the column in place (3.35 and later): a rebuilt table would have to be
    # dropped, which its referencing tables' foreign keys refuse
    op.execute("ALTER TABLE contracts DROP COLUMN next_billing_date")


def downgrade() -> None:
    op.execute("ALTER TABLE contracts ADD COLUMN next_billing_date DATE")
    op.execute(
        "UPDATE contracts SET next_billing_date = (SELECT s.next_billing_date FROM "
        "billing_schedule s WHERE s.tenant_id = contracts.tenant_id "
        "AND s.contract_id = contracts.id)"
    )
    op.create_index(
        op.f("ix_contracts_tenant_id_next_billing_date"),
        "contracts",
        ["tenant_id", "next_billing_date"],
    )
    op.drop_index(op.f("ix_billing_schedule_tenant_id_next_billing_date"), "billing_schedule")
    op.drop_table("billing_schedule")
