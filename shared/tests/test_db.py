"""tenant_transaction maps the database failures a caller's value causes to typed errors:
a value the database refuses is a 400 (and logged: an input check is missing), a data
error that is our own bug stays a 500."""

import datetime as dt
import logging
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError

from shared.call_context import CallContext
from shared.db import load_json_column, make_engine, make_read_engine, tenant_transaction
from shared.errors import ValidationFailed
from shared.tests.notes_service import Note

TENANT = CallContext(tenant_id=str(uuid.uuid4()))


@pytest.mark.parametrize(("sql", "value"), [
    ("SELECT CAST(:v AS numeric(19, 4))", "1e999"),            # 22003 out of range
    ("SELECT CAST(:v AS uuid)", "not-a-uuid"),                  # 22P02 invalid text
    ("SELECT CAST(:v AS date)", "2026-13-45"),                  # 22008 bad date
    ("SELECT CAST(:v AS timestamptz)", "300000-01-01"),         # 22008 out of range
    ("SELECT CAST(:v AS integer)", "99999999999"),              # 22003 past INTEGER
])
def test_a_value_the_database_refuses_is_a_validation_failure_and_is_logged(
        notes_db, caplog, sql, value):
    with caplog.at_level(logging.WARNING, logger="shared.db"), \
            pytest.raises(ValidationFailed) as refused:
        with tenant_transaction(notes_db.sessions, TENANT) as s:
            s.execute(text(sql), {"v": value}).all()
    assert refused.value.status == 400
    assert "_schema" in refused.value.errors
    assert "input checks should have refused" in caplog.text


def test_a_nul_in_a_text_refused_by_psycopg_itself_is_a_validation_failure(notes_db):
    with pytest.raises(ValidationFailed):
        with tenant_transaction(notes_db.sessions, TENANT) as s:
            s.add(Note(body="a\x00b"))
            s.flush()


def test_a_data_error_that_is_a_bug_stays_an_error_of_ours(notes_db):
    with pytest.raises(DataError):
        with tenant_transaction(notes_db.sessions, TENANT) as s:
            s.execute(text("SELECT 1 / 0")).all()


@pytest.mark.parametrize("raw", [
    b'{"a": [1, 2.5, "x", null, true], "b": {"c": -0}}',
    b'{"big": 18446744073709551616, "bigger": -123456789012345678901234567890}',
    b'[1e400, -1e400]',  # json reads infinities; orjson refuses them
    b'"\\u00e9t\\u00e9"',
    '{"text": "ok"}',
])
def test_json_columns_read_exactly_as_json_loads_reads_them(raw):
    import json
    got = load_json_column(raw)
    assert got == json.loads(raw)
    assert repr(got) == repr(json.loads(raw))  # an int stays an int past 64 bits


def test_jsonb_values_come_back_through_the_json_column_reader(notes_db):
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=str(uuid.uuid4()))) as s:
        value = s.execute(text("SELECT '{\"n\": 18446744073709551617, \"f\": 1.5}'::jsonb")
                          ).scalar_one()
    assert value == {"n": 18446744073709551617, "f": 1.5}
    assert isinstance(value["n"], int)


def test_service_engines_run_their_sessions_in_utc(notes_db):
    """Set in the startup packet: times come back with datetime.timezone.utc (no ZoneInfo
    per value), whatever zone the server was installed with."""
    for engine in (make_engine(notes_db.url), make_read_engine(notes_db.url)):
        with engine.connect() as conn:
            zone, now = conn.execute(text("SELECT current_setting('TimeZone'), now()")).one()
        engine.dispose()
        assert zone == "UTC"
        assert now.tzinfo is dt.UTC
