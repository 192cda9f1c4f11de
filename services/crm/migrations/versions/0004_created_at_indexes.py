"""clients and deals: a (tenant_id, created_at, id) index each, like contacts', for the
lists sorted by created_at (deals' default, `-created_at`) and filtered by a created window:
a page then reads its rows in index order instead of sorting the tenant's whole table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clients_tenant_id_created_at_id", "clients",
                    ["tenant_id", "created_at", "id"], unique=False)
    op.create_index("ix_deals_tenant_id_created_at_id", "deals",
                    ["tenant_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deals_tenant_id_created_at_id", table_name="deals")
    op.drop_index("ix_clients_tenant_id_created_at_id", table_name="clients")
