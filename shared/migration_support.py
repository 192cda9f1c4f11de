"""What every service's Alembic migrations share: the env.py body and the RLS statements.

A service's `migrations/env.py` is two lines: import its metadata and call
`run_migrations(metadata)`. Its revisions call `create_platform_tables()` once and
`enable_tenant_rls("<table>")` for every table of tenant data.
"""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import MetaData, create_engine, pool

from shared.config import settings
from shared.platform_tables import inbox, outbox, platform_metadata

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
CURRENT_USER = "NULLIF(current_setting('app.user_id', true), '')::uuid"


def run_migrations(target_metadata: MetaData) -> None:
    """Body of env.py: migrate the service's database as its owner role."""
    config = context.config
    url = config.attributes.get("url") or settings().migration_database_url(
        config.attributes["service"]
    )
    metadata = [target_metadata, platform_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_platform_tables() -> None:
    """The outbox and inbox, in a service's first revision."""
    bind = op.get_bind()
    for table in (outbox, inbox):
        table.create(bind)


def tenant_rls_statements(table: str, *, extra_using: str | None = None) -> list[str]:
    """Row-level security: rows are visible and writable only in their tenant's scope.

    FORCE applies it to the table owner too. `extra_using` widens what may be READ
    (e.g. a user's own memberships across tenants) through a separate SELECT-only
    policy, so it never widens which rows an UPDATE or DELETE can reach.
    """
    statements = [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'CREATE POLICY tenant_isolation ON "{table}" USING (tenant_id = {CURRENT_TENANT}) '
        f"WITH CHECK (tenant_id = {CURRENT_TENANT})",
    ]
    if extra_using:
        statements.append(
            f'CREATE POLICY tenant_isolation_extra_read ON "{table}" FOR SELECT '
            f"USING ({extra_using})"
        )
    return statements


def enable_tenant_rls(table: str, *, extra_using: str | None = None) -> None:
    for statement in tenant_rls_statements(table, extra_using=extra_using):
        op.execute(statement)


def disable_tenant_rls(table: str) -> None:
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation_extra_read ON "{table}"')
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
