"""memberships: a user may READ their memberships in every tenant, never change them.

The first revision widened the one ALL-commands policy, whose USING clause also governs
DELETE (and which rows UPDATE may target). Now the tenant policy alone governs writes and
a separate SELECT-only policy adds the user's own rows for login and switch_tenant.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

from shared.migration_support import CURRENT_USER, disable_tenant_rls, enable_tenant_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    disable_tenant_rls("memberships")
    enable_tenant_rls("memberships")
    op.execute(
        "CREATE POLICY own_memberships_readable ON memberships FOR SELECT "
        f"USING (user_id = {CURRENT_USER})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS own_memberships_readable ON memberships")
    disable_tenant_rls("memberships")
    enable_tenant_rls("memberships", extra_using=f"user_id = {CURRENT_USER}")
