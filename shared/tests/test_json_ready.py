"""Service output formatting: what JSON cannot carry becomes the API's documented forms."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from shared.json_ready import json_ready


def test_values_become_the_apis_forms():
    ident = uuid.uuid4()
    when = datetime(2026, 11, 22, 3, 16, 11, 123456, tzinfo=timezone(timedelta(hours=1)))
    out = json_ready(
        {"id": ident, "at": when, "day": date(2026, 1, 2), "amount": Decimal("1234.50"),
         "nested": [{"n": 1, "ok": True, "none": None}]}
    )
    assert out == {
        "id": str(ident),
        "at": "2026-11-22T02:16:11.123456Z",
        "day": "2026-01-02",
        "amount": "1234.50",
        "nested": [{"n": 1, "ok": True, "none": None}],
    }


def test_a_naive_timestamp_or_an_unknown_type_is_refused():
    with pytest.raises(ValueError):
        json_ready(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        json_ready({"s": {1, 2}})


def test_utc_timestamps_end_in_z():
    assert json_ready(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"


def test_postgresql_formats_timestamps_and_uuids_exactly_as_json_ready_does(notes_db):
    from sqlalchemy import DateTime, Uuid, bindparam, select

    from shared.json_ready import sql_timestamp, sql_uuid

    ident = uuid.uuid4()
    moments = [
        datetime(2026, 11, 22, 3, 16, 11, 123456, tzinfo=UTC),
        datetime(2026, 11, 22, 3, 16, 11, tzinfo=UTC),  # no microseconds: none written
        datetime(2026, 1, 2, 23, 59, 59, 10, tzinfo=timezone(timedelta(hours=-5))),
    ]
    with notes_db.engine.connect() as conn:
        for moment in moments:
            at = bindparam("at", moment, type_=DateTime(timezone=True))
            row = conn.execute(
                select(sql_timestamp(at), sql_uuid(bindparam("id", ident, type_=Uuid())))
            ).one()
            assert tuple(row) == (json_ready(moment), json_ready(ident))
