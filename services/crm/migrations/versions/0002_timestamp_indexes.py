"""clients and deals: (tenant_id, created_at, id) and (tenant_id, updated_at, id) indexes,
like contacts', for the lists sorted by either (deals' default is `-created_at`) and filtered
by created or updated windows: a page reads its rows in index order instead of sorting the
tenant's whole table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = [(f"ix_{table}_tenant_id_{stamp}_id", table, stamp)
           for table in ("clients", "deals") for stamp in ("created_at", "updated_at")]


def upgrade() -> None:
    for name, table, stamp in INDEXES:
        op.create_index(name, table, ["tenant_id", stamp, "id"], unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
