"""sessions: the reason a support person gave for impersonating the session's user.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("impersonation_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("sessions", "impersonation_reason")
