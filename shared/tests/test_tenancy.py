"""Tenant isolation: the ORM filter first, PostgreSQL row-level security second."""

import uuid

import pytest
from sqlalchemy import create_engine, select, text

from shared.call_context import CallContext
from shared.db import check_version, tenant_transaction
from shared.errors import PreconditionFailed
from shared.testing import settings_for_tests, statements_sent
from shared.tests.notes_service import Note

A = str(uuid.uuid4())
B = str(uuid.uuid4())


def _add(db, tenant, body):
    with tenant_transaction(db.sessions, CallContext(tenant_id=tenant)) as s:
        note = Note(body=body)
        s.add(note)
        s.flush()
        return note.id


def test_a_tenant_reads_only_its_own_rows_through_the_orm(notes_db):
    _add(notes_db, A, "a1")
    _add(notes_db, B, "b1")
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        assert [n.body for n in s.scalars(select(Note))] == ["a1"]


def test_a_query_that_bypasses_the_orm_filter_is_still_confined_by_rls(notes_db):
    _add(notes_db, A, "a1")
    _add(notes_db, B, "b1")
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        rows = s.execute(text("SELECT body FROM notes")).scalars().all()
        everything = s.scalars(select(Note).execution_options(all_tenants=True)).all()
    assert rows == ["a1"]
    assert [n.body for n in everything] == ["a1"]


def test_without_a_tenant_in_scope_nothing_is_visible(notes_db):
    _add(notes_db, A, "a1")
    with tenant_transaction(notes_db.sessions, CallContext()) as s:
        assert s.scalars(select(Note)).all() == []
        assert s.execute(text("SELECT count(*) FROM notes")).scalar_one() == 0


def test_the_app_role_is_not_the_owner_and_cannot_bypass_rls(notes_db):
    with notes_db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT r.rolsuper, r.rolbypassrls, t.tableowner = current_user "
                "FROM pg_roles r, pg_tables t "
                "WHERE r.rolname = current_user AND t.tablename = 'notes'"
            )
        ).one()
    assert tuple(row) == (False, False, False)


def test_writing_another_tenants_row_is_refused(notes_db):
    with pytest.raises(PermissionError):
        with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
            s.add(Note(body="x", tenant_id=uuid.UUID(B)))
            s.flush()
    with notes_db.engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": A})
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(
                text("INSERT INTO notes (id, tenant_id, body, version) VALUES (:i, :t, 'x', 1)"),
                {"i": uuid.uuid4(), "t": B},
            )


def test_updating_another_tenants_row_changes_nothing(notes_db):
    note_b = _add(notes_db, B, "b1")
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        result = s.execute(text("UPDATE notes SET body = 'hijacked' WHERE id = :i"), {"i": note_b})
        assert result.rowcount == 0
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=B)) as s:
        assert s.get(Note, note_b).body == "b1"


def test_a_stale_version_is_a_precondition_failure(notes_db):
    note_id = _add(notes_db, A, "v1")
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        note = s.get(Note, note_id)
        check_version(note, 1)
        note.body = "v2"
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        note = s.get(Note, note_id)
        assert note.version == 2
        with pytest.raises(PreconditionFailed):
            check_version(note, 1)


def test_a_concurrent_update_loses_with_a_precondition_failure(notes_db):
    note_id = _add(notes_db, A, "v1")
    with pytest.raises(PreconditionFailed):
        with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
            note = s.get(Note, note_id)
            with notes_db.engine.begin() as other:
                other.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": A})
                other.execute(
                    text("UPDATE notes SET body='other', version=version+1 WHERE id=:i"),
                    {"i": note_id},
                )
            note.body = "mine"


def test_a_widened_read_policy_never_widens_writes():
    from shared.migration_support import tenant_rls_statements

    statements = tenant_rls_statements("t", extra_using="user_id = x")
    widened = [s for s in statements if "user_id = x" in s]
    assert len(widened) == 1 and "FOR SELECT" in widened[0]


def test_a_dropped_database_connection_is_a_503_once_and_then_heals(notes_db):
    from shared.errors import ServiceUnavailable

    _add(notes_db, A, "before")  # a pooled connection now exists
    admin = create_engine(settings_for_tests().pg_admin_url)
    with admin.begin() as conn:  # what a database restart does to every session
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE usename = :role"
            ),
            {"role": settings_for_tests().role_name("notes", "app")},
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    with pytest.raises(ServiceUnavailable):
        with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
            s.execute(text("SELECT 1"))
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        assert [n.body for n in s.scalars(select(Note))] == ["before"]


def test_the_orm_filter_itself_scopes_selects_and_bulk_updates_before_rls_does(notes_db):
    """RLS would hide the rows anyway: look at the SQL the ORM sends instead."""
    from sqlalchemy import update

    with statements_sent(notes_db.engine) as sent, tenant_transaction(
            notes_db.sessions, CallContext(tenant_id=A)) as s:
        s.scalars(select(Note)).all()
        s.execute(update(Note).values(body="x"))
    scoped = [(sql, params) for sql, params in sent if "FROM notes" in sql or "UPDATE notes" in sql]
    assert len(scoped) == 2
    for sql, params in scoped:
        assert "notes.tenant_id = %(bureau_scope_tenant_id)s" in sql, sql
        assert str(params["bureau_scope_tenant_id"]) == A



def test_column_selects_of_a_tenant_model_are_filtered_too(notes_db):
    """Pages and role checks select columns, not objects, and a read policy may be wider
    than the tenant (identity's own memberships): the ORM filter must still apply."""
    with statements_sent(notes_db.engine) as sent, tenant_transaction(
            notes_db.sessions, CallContext(tenant_id=A)) as s:
        s.execute(select(Note.id, Note.body)).all()
    (query,) = [sql for sql, _ in sent if "FROM notes" in sql]
    assert "notes.tenant_id = %(bureau_scope_tenant_id)s" in query, query


def test_columns_run_on_cores_path_carry_the_same_tenant_filter(notes_db):
    """execute_columns skips the ORM's execution, not its filter: the SQL still names the
    tenant, only the tenant's rows come back, and pending changes are flushed first."""
    from shared.tenancy import execute_columns

    _add(notes_db, A, "a-core")
    _add(notes_db, B, "b-core")
    with statements_sent(notes_db.engine) as sent, tenant_transaction(
            notes_db.sessions, CallContext(tenant_id=A)) as s:
        s.add(Note(body="a-pending"))
        bodies = {r.body for r in execute_columns(s, select(Note.body), {})}
        wide = execute_columns(
            s, select(Note.body).execution_options(all_tenants=True), {}).all()
    assert "a-core" in bodies and "a-pending" in bodies and "b-core" not in bodies
    first = next((sql, params) for sql, params in sent if "FROM notes" in sql)
    assert "notes.tenant_id = %(bureau_scope_tenant_id)s" in first[0], first[0]
    assert str(first[1]["bureau_scope_tenant_id"]) == A
    assert "b-core" not in {r.body for r in wide}  # all_tenants skips the filter, not RLS
    last = [sql for sql, _ in sent if "FROM notes" in sql][-1]
    assert "bureau_scope_tenant_id" not in last


def test_the_scope_travels_with_begin_in_one_round_trip(notes_db):
    """BEGIN + set_config go out as one simple query on libpq, not as statements of their own;
    RLS still sees the tenant and the user."""
    user = str(uuid.uuid4())
    with statements_sent(notes_db.engine) as sent, tenant_transaction(
            notes_db.sessions, CallContext(tenant_id=A, user_id=user)) as s:
        scope = s.execute(
            text("SELECT current_setting('app.tenant_id'), current_setting('app.user_id')")
        ).one()
    assert tuple(scope) == (A, user)
    assert not [sql for sql, _ in sent if "set_config" in sql]


def test_only_uuids_are_written_into_the_scope_statement():
    from shared.tenancy import _uuid_literal

    assert _uuid_literal(None) == ""
    assert _uuid_literal(uuid.UUID(A)) == A
    with pytest.raises(TypeError):
        _uuid_literal("x', true); DROP TABLE notes; --")
