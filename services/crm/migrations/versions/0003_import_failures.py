"""imports that fail or expire (ADR 0019): a reason on the import, every problem in its own
row (import_problems, tenant data under RLS) and the deadlines crm's timer reviews
(import_deadlines: ids and times only, read across tenants, so without RLS).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from shared.migration_support import disable_tenant_rls, enable_tenant_rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("status_reason", sa.Text(), nullable=True))
    op.create_table(
        "import_problems",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"],
                                name=op.f("fk_import_problems_import_id_imports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("import_id", "seq", name=op.f("pk_import_problems")),
    )
    op.create_index(op.f("ix_import_problems_tenant_id"), "import_problems", ["tenant_id"],
                    unique=False)
    enable_tenant_rls("import_problems")
    op.create_table(
        "import_deadlines",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("import_id", name=op.f("pk_import_deadlines")),
    )
    op.create_index("ix_import_deadlines_due_at", "import_deadlines", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_deadlines_due_at", table_name="import_deadlines")
    op.drop_table("import_deadlines")
    disable_tenant_rls("import_problems")
    op.drop_index(op.f("ix_import_problems_tenant_id"), table_name="import_problems")
    op.drop_table("import_problems")
    op.drop_column("imports", "status_reason")
