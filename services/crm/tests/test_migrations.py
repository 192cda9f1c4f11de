"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from services.crm.models import Base
from shared.platform_tables import platform_metadata


def test_models_and_migrations_do_not_drift(crm_db):
    engine = create_engine(crm_db.owner_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, [Base.metadata, platform_metadata])
    engine.dispose()
    assert diff == []


def test_every_list_sorted_by_a_timestamp_has_a_tenant_index_on_it(crm_db):
    """Lists filter by created and updated windows and page by (created_at|updated_at, id)
    within a tenant (deals by -created_at unless told otherwise)."""
    engine = create_engine(crm_db.owner_url)
    found = inspect(engine)
    leading = {table: [index["column_names"][:3] for index in found.get_indexes(table)]
               for table in ("clients", "contacts", "deals")}
    engine.dispose()
    for table, columns in leading.items():
        for stamp in ("created_at", "updated_at"):
            assert ["tenant_id", stamp, "id"] in columns, (table, stamp, columns)
