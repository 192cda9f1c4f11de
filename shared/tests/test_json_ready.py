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


def test_postgresql_writes_uuids_exactly_as_json_ready_does(notes_db):
    from sqlalchemy import Uuid, bindparam, select

    from shared.json_ready import sql_uuid

    ident = uuid.uuid4()
    with notes_db.engine.connect() as conn:
        text = conn.execute(select(sql_uuid(bindparam("id", ident, type_=Uuid())))).scalar_one()
    assert text == json_ready(ident)


def test_timestamps_in_utc_and_elsewhere_and_without_microseconds():
    from zoneinfo import ZoneInfo

    assert json_ready(datetime(2026, 11, 22, 3, 16, 11, tzinfo=UTC)) == "2026-11-22T03:16:11Z"
    assert json_ready(datetime(2026, 11, 22, 3, 16, 11, 5, tzinfo=ZoneInfo("Etc/UTC"))) == (
        "2026-11-22T03:16:11.000005Z"
    )
    assert json_ready(datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))) == (
        "2025-12-31T23:30:00Z"
    )
