"""Service output formatting: what JSON cannot carry becomes the API's documented forms."""

import json
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


def test_containers_orjson_text_equal_the_walks_result():
    from shared.json_ready import _orjson_text, _walk

    now = datetime(2026, 12, 1, 13, 45, 23, 120000, tzinfo=UTC)
    page = {
        "data": [
            {"id": str(uuid.uuid4()), "n": i, "at": now, "day": date(2026, 1, 2),
             "amount": Decimal("12.50"), "ok": i % 2 == 0, "none": None, "x": 1.5,
             "tags": ("a", "b")}
            for i in range(5)
        ],
        "page": {"limit": 5, "has_more": False, "next_cursor": None},
    }
    assert _orjson_text(page) is not None
    assert json_ready(page) == _walk(page)


@pytest.mark.parametrize(
    "value",
    [
        {"at": datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))},
        {"at": datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5)))},
        [datetime(2026, 1, 1, 0, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))],
        {"nan": float("nan"), "none": None},
        [None, [float("inf")]],
        {"big": 2**70},
        {1: "non-str key"},
        {"text that looks like a time": "at 10:30"},
        {"at": datetime(2026, 1, 1, 0, 30)},
        [{"at": datetime(2026, 1, 1, 0, 30, 0, 120000)}],
        {"at": datetime(2026, 1, 1, 0, 30, 0, 5, tzinfo=timezone(timedelta(hours=5, minutes=45)))},
        {"a version that looks like a fraction": "v1.000000"},
    ],
)
def test_what_orjson_would_write_differently_takes_the_walk(value):
    from shared.json_ready import _orjson_text, _walk

    assert _orjson_text(value) is None
    try:
        walked = _walk(value)
    except ValueError:  # a naive time: refused either way
        with pytest.raises(ValueError):
            json_ready(value)
    else:
        assert json_ready(value) == walked


def test_the_walk_still_converts_offsets_and_keeps_nan_for_the_reply_to_refuse():
    out = json_ready({"at": datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
                      "nan": float("nan"), "none": None})
    assert out["at"] == "2025-12-31T23:30:00Z"
    assert out["nan"] != out["nan"]


def test_a_naive_timestamp_or_an_unknown_type_in_a_container_is_refused():
    from dataclasses import dataclass

    @dataclass
    class Row:
        n: int

    with pytest.raises(ValueError):
        json_ready({"at": datetime(2026, 1, 1)})
    with pytest.raises(TypeError):
        json_ready([Row(1)])
    with pytest.raises(TypeError):
        json_ready({"b": b"bytes"})


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        {"a": [{"b": ({"c": float("inf")},)}]},
        [None, 1, "x", [[[-float("inf")]]]],
        {"rows": [{"n": i, "x": 1.5} for i in range(30)] + [{"n": 30, "x": float("nan")}]},
        {"sub": type("Sub", (dict,), {})(x=float("nan"))},
        [type("Seq", (list,), {})([1, [float("nan")]])],
        {"f": type("F", (float,), {})("nan")},
    ],
)
def test_has_nonfinite_finds_nan_and_infinities_at_any_depth(value):
    from shared.json_ready import has_nonfinite

    assert has_nonfinite(value)


def test_has_nonfinite_clears_a_page_without_them():
    from shared.json_ready import has_nonfinite

    now = datetime(2026, 12, 1, tzinfo=UTC)
    page = {"data": [{"id": str(uuid.uuid4()), "at": now, "x": 1.5, "none": None,
                      "emails": [{"value": "a@b.example", "primary": True}],
                      "custom": {"tier": "gold", "n": 2.25}, "tags": ("a",)}
                     for _ in range(10)], "page": {"next_cursor": None}}
    assert not has_nonfinite(page)
    assert not has_nonfinite(type("Sub", (dict,), {})(x=[1.0, 2.0]))


def test_an_answer_is_sent_as_the_text_json_answer_wrote_and_nan_is_still_refused():
    from shared.json_ready import JsonText, json_answer
    from shared.rpc import encode_reply

    now = datetime(2026, 12, 1, 13, 45, 23, 120000, tzinfo=UTC)
    page = {"data": [{"none": None, "x": 1.5, "at": now}], "page": {"next_cursor": None}}
    answer = json_answer(page)
    assert type(answer) is JsonText
    body, _, error = encode_reply(answer, None)
    assert error is None and json.loads(body) == {"result": json_ready(page), "error": None}
    unready = json_answer({"x": float("nan"), "none": None})
    assert type(unready) is not JsonText
    body, _, error = encode_reply(unready, None)
    assert error is not None and "UnserializableValueError" in str(body)
    assert json_answer(None) is None and json_answer(now) == "2026-12-01T13:45:23.120000Z"
