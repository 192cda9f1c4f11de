"""clients and deals: a (tenant_id, updated_at, id) index each, like contacts', for the
lists that filter by an updated_at window and sort by it (keyset on updated_at, id).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clients_tenant_id_updated_at_id", "clients",
                    ["tenant_id", "updated_at", "id"], unique=False)
    op.create_index("ix_deals_tenant_id_updated_at_id", "deals",
                    ["tenant_id", "updated_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deals_tenant_id_updated_at_id", table_name="deals")
    op.drop_index("ix_clients_tenant_id_updated_at_id", table_name="clients")
