"""Keyset pagination: stable pages under concurrent inserts, cursors bound to their list."""

import base64
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import Integer, Numeric, cast, select

from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.errors import ValidationFailed
from shared.json_ready import sql_uuid
from shared.pagination import PageRequest, paginate
from shared.testing import statements_sent
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


@pytest.mark.parametrize(("columns", "sort", "added"), [
    ((sql_uuid(Note.id).label("id"), Note.body.label("text")), "body", set()),
    ((Note.body.label("text"),), "body", {"_page_tie"}),
    ((Note.id, Note.body.label("text")), "created_at", {"_page_key"}),
    ((Note.body.label("text"),), "-created_at", {"_page_key", "_page_tie"}),
])
def test_a_page_of_columns_takes_its_cursor_from_columns_it_selects(notes_db, columns, sort,
                                                                    added):
    """The sort key and tiebreaker come from the page's own columns when it selects them
    (the id as its `sql_uuid` text counts); only missing ones are added, and never show
    in the rows. Every way walks the same list."""
    _insert(notes_db, *(f"c{i}" for i in range(5)))
    stmt = select(*columns)
    names = {c.name for c in columns}
    seen, cursor = [], None
    with statements_sent(notes_db.engine) as sent:
        while True:
            with tenant_transaction(notes_db.sessions, TENANT) as s:
                page = paginate(s, stmt, _request(sort=sort, limit=2, cursor=cursor), dict)
            assert all(set(item) == names for item in page["data"])
            seen += [item["text"] for item in page["data"]]
            cursor = page["page"]["next_cursor"]
            if cursor is None:
                break
    order = {"body": (Note.body, Note.id), "created_at": (Note.created_at, Note.id),
             "-created_at": (Note.created_at.desc(), Note.id.desc())}[sort]
    with tenant_transaction(notes_db.sessions, TENANT) as s:
        assert seen == list(s.scalars(select(Note.body).order_by(*order)))
    pages = [sql for sql, _ in sent if "FROM notes" in sql]
    assert len(pages) == 3
    assert {n for n in ("_page_key", "_page_tie") if n in pages[0]} == added


def _forged(key, sort="body", collection="notes", tie=None):
    raw = json.dumps({"c": collection, "s": sort, "k": [key, tie or str(uuid.uuid4())]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


NUMERIC_SORTS = {"amount": cast(Note.body, Numeric), "rank": cast(Note.body, Integer),
                 "body": Note.body, "created_at": Note.created_at}


@pytest.mark.parametrize(("sort", "key"), [
    ("body", "a\x00b"),                    # PostgreSQL text holds no NUL
    ("body", "\ud800"),                    # a lone surrogate encodes to nothing
    ("body", 5),                           # not the sort key's type
    ("body", "x" * 10_001),                # longer than any name we sort by
    ("amount", "1e999999"),                # a Decimal no NUMERIC holds
    ("amount", "NaN"),
    ("amount", 12),                        # we write Decimals as strings
    ("rank", 2**31),                       # past an INTEGER column
    ("rank", True),
    ("created_at", "2026-01-01T00:00:00"),  # naive
    ("created_at", 1),
])
def test_a_tampered_cursor_is_refused_at_decode_time(sort, key):
    cursor = _forged(key, sort=sort)
    with pytest.raises(ValidationFailed) as err:
        PageRequest.parse(collection="notes", sorts=NUMERIC_SORTS, tiebreaker=Note.id,
                          sort=sort, cursor=cursor)
    assert err.value.errors == {"cursor": ["Not a cursor of this list."]}


@pytest.mark.parametrize(("sort", "key", "expected"), [
    ("amount", "-1E+16", Decimal("-1E+16")),
    ("amount", "1234.5000", Decimal("1234.5000")),
    ("rank", -(2**31), -(2**31)),
    ("body", "Zoë", "Zoë"),
])
def test_cursors_holding_keys_we_write_are_read_back(sort, key, expected):
    tie = str(uuid.uuid4())
    request = PageRequest.parse(collection="notes", sorts=NUMERIC_SORTS, tiebreaker=Note.id,
                                sort=sort, cursor=_forged(key, sort=sort, tie=tie))
    assert request.after == (expected, uuid.UUID(tie))


def test_a_tampered_tiebreaker_or_key_list_is_refused():
    for cursor in (_forged("a", tie="\x00"), _forged("a", tie=7)):
        with pytest.raises(ValidationFailed):
            _request(sort="body", cursor=cursor)
    for keys in ("ab", ["a"], ["a", str(uuid.uuid4()), 3]):
        raw = json.dumps({"c": "notes", "s": "body", "k": keys}).encode()
        with pytest.raises(ValidationFailed):
            _request(sort="body", cursor=base64.urlsafe_b64encode(raw).decode())


def _late_rows(page):
    """A late row lookup: the page's notes by id, their body labelled as shown."""
    return select(Note.id, Note.body.label("text")).join(page, Note.id == page.c.id)


@pytest.mark.parametrize("sort", ["body", "-body"])
def test_a_late_row_lookup_walks_the_list_in_order_in_one_statement(notes_db, sort):
    _insert(notes_db, *(f"l{i}" for i in range(5)))
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=str(uuid.uuid4()))) as s:
        s.add(Note(body="l2-of-another-tenant"))
    seen, cursor = [], None
    with statements_sent(notes_db.engine) as statements:
        while True:
            with tenant_transaction(notes_db.sessions, TENANT) as s:
                page = paginate(s, select(Note.id), _request(sort=sort, limit=2, cursor=cursor),
                                dict, rows_of=_late_rows)
            assert all(set(item) == {"id", "text"} for item in page["data"])
            seen += [item["text"] for item in page["data"]]
            cursor = page["page"]["next_cursor"]
            if cursor is None:
                break
    expected = [f"l{i}" for i in range(5)]
    assert seen == (expected if sort == "body" else expected[::-1])
    assert len(statements) == 3  # one per page: its ids and its rows together
