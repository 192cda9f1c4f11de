"""Alembic environment of crm's database: the shared body, crm's metadata."""

from services.crm.models import Base
from shared.migration_support import run_migrations

run_migrations(Base.metadata)
