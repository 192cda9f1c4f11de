"""Alembic environment of identity's database: the shared body, identity's metadata."""

from services.identity.models import Base
from shared.migration_support import run_migrations

run_migrations(Base.metadata)
