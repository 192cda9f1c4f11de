"""Keyset pagination: stable pages under concurrent inserts, cursors bound to their list."""

import uuid

import pytest
from sqlalchemy import select

from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.errors import ValidationFailed
from shared.pagination import PageRequest, paginate
from shared.tests.notes_service import Note, dump

TENANT = CallContext(tenant_id=str(uuid.uuid4()))
SORTS = {"created_at": Note.created_at, "body": Note.body}


def _request(**kwargs):
    return PageRequest.parse(collection="notes", sorts=SORTS, tiebreaker=Note.id, **kwargs)


def _page(db, **kwargs):
    with tenant_transaction(db.sessions, TENANT) as s:
        return paginate(s, select(Note), _request(**kwargs), dump)


def _insert(db, *bodies):
    with tenant_transaction(db.sessions, TENANT) as s:
        s.add_all(Note(body=b) for b in bodies)


def test_walking_a_list_while_rows_are_inserted_yields_every_row_exactly_once(notes_db):
    _insert(notes_db, *(f"n{i:03d}" for i in range(0, 60, 2)))
    seen, cursor, extra = [], None, iter(range(1, 60, 2))
    while True:
        page = _page(notes_db, sort="body", limit=7, cursor=cursor)
        seen += [n["body"] for n in page["data"]]
        _insert(notes_db, f"n{next(extra, 999):03d}")  # lands before and after the cursor
        if not page["page"]["has_more"]:
            break
        cursor = page["page"]["next_cursor"]
    assert len(seen) == len(set(seen))
    assert set(f"n{i:03d}" for i in range(0, 60, 2)) <= set(seen)
    assert seen == sorted(seen)


def test_descending_sort_and_total(notes_db):
    _insert(notes_db, "a", "b", "c")
    first = _page(notes_db, sort="-body", limit=2, include_total=True)
    assert [n["body"] for n in first["data"]] == ["c", "b"]
    assert first["page"]["total"] == 3 and first["page"]["has_more"] is True
    second = _page(notes_db, sort="-body", limit=2, cursor=first["page"]["next_cursor"])
    assert [n["body"] for n in second["data"]] == ["a"]
    assert second["page"] == {"limit": 2, "has_more": False, "next_cursor": None}


@pytest.mark.parametrize(
    "cursor", ["garbage", "e30", "W10", "eyJjIjoibm90ZXMifQ", "!!!", "eyJjIjogMX0"]
)
def test_a_malformed_cursor_is_a_validation_error(cursor):
    with pytest.raises(ValidationFailed) as err:
        _request(cursor=cursor)
    assert "cursor" in err.value.errors


def test_a_cursor_from_another_collection_or_sort_is_refused(notes_db):
    _insert(notes_db, "a", "b")
    cursor = _page(notes_db, sort="body", limit=1)["page"]["next_cursor"]
    with pytest.raises(ValidationFailed):
        PageRequest.parse(collection="users", sorts=SORTS, tiebreaker=Note.id, cursor=cursor)
    with pytest.raises(ValidationFailed):
        _request(sort="-body", cursor=cursor)
    assert _request(sort="body", cursor=cursor).after is not None


@pytest.mark.parametrize("limit", [0, 101, -1, True])
def test_limit_out_of_range_is_refused(limit):
    with pytest.raises(ValidationFailed) as err:
        _request(limit=limit)
    assert "limit" in err.value.errors


def test_an_unknown_sort_is_refused_with_the_choices():
    with pytest.raises(ValidationFailed) as err:
        _request(sort="password")
    assert "-body" in err.value.errors["sort"][0]


def test_a_page_of_labelled_columns_yields_dicts_and_walks_like_a_page_of_models(notes_db):
    _insert(notes_db, *(f"c{i}" for i in range(5)))
    stmt = select(Note.id, Note.body.label("text"))
    seen, cursor = [], None
    while True:
        with tenant_transaction(notes_db.sessions, TENANT) as s:
            page = paginate(s, stmt, _request(sort="body", limit=2, cursor=cursor), dict)
        assert all(set(item) == {"id", "text"} for item in page["data"])
        seen += [item["text"] for item in page["data"]]
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"c{i}" for i in range(5)]
