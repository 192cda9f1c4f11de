"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from services.crm.models import Base
from shared.platform_tables import platform_metadata


def test_models_and_migrations_do_not_drift(crm_db):
    engine = create_engine(crm_db.owner_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, [Base.metadata, platform_metadata])
    engine.dispose()
    assert diff == []
