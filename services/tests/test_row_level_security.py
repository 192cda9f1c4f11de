"""Row-level security in every service database: on, forced on the owner, with a policy.

The app role can never bypass RLS (shared/provisioning.py). FORCE (shared/migration_support
.py) subjects the owner, who runs the migrations and owns every table, to it as well, so
even a query run as the owner without a tenant in scope reads no tenant's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from shared.config import SERVICES
from shared.testing import ServiceDatabase

WITHOUT_RLS = {
    "outbox": "a platform table: the relay reads every tenant's pending events",
    "import_deadlines": "crm's timer finds due imports across tenants (ADR 0019)",
}
"""Tables with a tenant_id column that are not tenant data, on purpose."""

_TABLES_WITH_A_TENANT = text(
    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
    "row_security_active(c.oid), pg_get_userbyid(c.relowner) = current_user "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
    "AND a.attname = 'tenant_id' AND NOT a.attisdropped ORDER BY c.relname"
)
_TENANT_POLICIES = text(
    "SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND cmd = 'ALL' "
    "AND qual LIKE '%app.tenant_id%' AND with_check LIKE '%app.tenant_id%'"
)
_SCOPE = text("SELECT set_config('app.tenant_id', :t, true)")

_IN_AN_HOUR = datetime.now(UTC) + timedelta(hours=1)
SAMPLE_ROWS: dict[str, tuple[str, dict[str, object]]] = {
    "identity": ("invitations", {
        "id": uuid.uuid4(), "email": "ann@example.com", "role": "member",
        "token_hash": "0" * 64, "status": "pending", "expires_at": _IN_AN_HOUR,
        "invited_by": uuid.uuid4(), "version": 1,
    }),
    "crm": ("members", {
        "user_id": uuid.uuid4(), "email": "ann@example.com", "name": "Ann", "role": "member",
        "active": True, "updated_at": _IN_AN_HOUR,
    }),
}
"""One row of tenant data per service, for the owner to write and then fail to read."""


@pytest.mark.parametrize("service", SERVICES)
def test_every_table_of_tenant_data_has_its_policy_forced_on_the_owner_too(
    service: str, service_database: Callable[[str], ServiceDatabase]
) -> None:
    owner = create_engine(service_database(service).owner_url)
    with owner.connect() as conn:
        tables = conn.execute(_TABLES_WITH_A_TENANT).all()
        with_policy = set(conn.execute(_TENANT_POLICIES).scalars())
    owner.dispose()
    tenant_data = [row for row in tables if row[0] not in WITHOUT_RLS]
    assert tenant_data, f"{service} has no table of tenant data"
    for name, enabled, forced, active_for_owner, owned in tenant_data:
        assert owned, f"{service}.{name} is not owned by the migration role"
        assert (enabled, forced) == (True, True), f"{service}.{name}: RLS enabled, forced"
        assert active_for_owner, f"{service}.{name}: RLS does not apply to its owner"
        assert name in with_policy, f"{service}.{name} has no tenant_isolation policy"


@pytest.mark.parametrize("service", SERVICES)
def test_the_owner_reads_a_tenants_rows_only_with_that_tenant_in_scope(
    service: str, service_database: Callable[[str], ServiceDatabase]
) -> None:
    table, row = SAMPLE_ROWS[service]
    tenant = str(uuid.uuid4())
    columns = {**row, "tenant_id": tenant}
    insert = text(f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608 (our names)
                  f'VALUES ({", ".join(f":{c}" for c in columns)})')
    count = text(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our table name)
    owner = create_engine(service_database(service).owner_url)
    try:
        with owner.begin() as conn:
            conn.execute(_SCOPE, {"t": tenant})
            conn.execute(insert, columns)
        with owner.connect() as conn:
            assert conn.execute(count).scalar_one() == 0
        with owner.begin() as conn:
            conn.execute(_SCOPE, {"t": tenant})
            assert conn.execute(count).scalar_one() == 1
    finally:
        owner.dispose()
