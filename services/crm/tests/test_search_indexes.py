"""Under row-level security the app role's searches and filters can still use GIN
indexes: their operators are LEAKPROOF in crm's database (shared/provisioning.py).
Without that, PostgreSQL must run the RLS check first and a search scans every row."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from shared.provisioning import LEAKPROOF_FUNCTIONS

SETUP = [
    "CREATE TEMPORARY TABLE probe (tenant_id uuid NOT NULL, s text NOT NULL, tags text[], "
    "custom jsonb) ON COMMIT DROP",
    "INSERT INTO probe SELECT '00000000-0000-0000-0000-000000000001', md5(i::text), "
    "ARRAY['t' || (i % 500)], jsonb_build_object('n', i % 500) FROM generate_series(1, 20000) i",
    "CREATE INDEX ON probe USING gin (s gin_trgm_ops)",
    "CREATE INDEX ON probe USING gin (tags)",
    "CREATE INDEX ON probe USING gin (custom jsonb_path_ops)",
    "ANALYZE probe",
    "ALTER TABLE probe ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE probe FORCE ROW LEVEL SECURITY",
    "CREATE POLICY isolation ON probe USING "
    "(tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-000000000001', true)",
]
FILTERS = ("s LIKE '%abcde%'", "tags @> ARRAY['t7']", "custom @> '{\"n\": 7}'")


def test_the_operators_are_leakproof_in_crms_database(crm_db):
    engine = create_engine(crm_db.url)
    with engine.connect() as conn:
        leakproof = {
            row.signature: row.proleakproof for row in conn.execute(text(
                "SELECT p.oid::regprocedure::text AS signature, p.proleakproof "
                "FROM pg_proc p WHERE p.oid = ANY(:names ::regprocedure[])"),
                {"names": list(LEAKPROOF_FUNCTIONS)})
        }
    engine.dispose()
    assert len(leakproof) == len(LEAKPROOF_FUNCTIONS) and all(leakproof.values()), leakproof


def test_the_app_role_under_rls_searches_through_the_gin_indexes(crm_db):
    engine = create_engine(crm_db.url)
    plans = []
    with engine.begin() as conn:
        assert conn.execute(text("SELECT rolbypassrls FROM pg_roles "
                                 "WHERE rolname = current_user")).scalar() is False
        for statement in SETUP:
            conn.execute(text(statement))
        for where in FILTERS:
            plans.append("\n".join(conn.execute(
                text(f"EXPLAIN SELECT s FROM probe WHERE {where}")).scalars()))
    engine.dispose()
    for plan in plans:
        assert "Bitmap Index Scan on probe_" in plan and "Seq Scan" not in plan, plan
