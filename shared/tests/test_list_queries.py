"""ListQuery: one statement per set of filters present, values as bind parameters."""

import uuid

import pytest
from sqlalchemy import func, select

from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.list_queries import ListQuery
from shared.pagination import (
    _PAGED_FORMS,
    MAX_FORMS_PER_STATEMENT,
    PageRequest,
    _paged_form,
    paginate,
)
from shared.tests.notes_service import Note, dump

TENANT = CallContext(tenant_id=str(uuid.uuid4()))
NOTES = ListQuery(lambda: select(Note), {
    "body": Note.body.__eq__,
    "prefix": Note.body.startswith,
    "min_version": Note.version.__ge__,
})


def _request(**kwargs):
    return PageRequest.parse(collection="notes", sorts={"body": Note.body}, tiebreaker=Note.id,
                             sort="body", **kwargs)


def test_the_same_filters_present_share_one_statement_whatever_their_values_or_order():
    first, first_params = NOTES.statement({"body": "a", "min_version": 1})
    second, second_params = NOTES.statement({"min_version": 7, "body": "b", "prefix": None})
    assert first is second
    assert (first_params, second_params) == (
        {"filter_body": "a", "filter_min_version": 1},
        {"filter_body": "b", "filter_min_version": 7})
    assert NOTES.statement({"prefix": "x"})[0] is not first


def test_an_unknown_filter_is_a_bug_not_an_ignored_argument():
    with pytest.raises(KeyError):
        NOTES.statement({"bodyy": "a"})


def test_extra_clauses_make_a_statement_of_that_call_only():
    plain, _ = NOTES.statement({"body": "a"})
    narrowed, params = NOTES.statement({"body": "a"}, [func.length(Note.body) > 3])
    assert narrowed is not plain and params == {"filter_body": "a"}
    assert "length" in str(narrowed)


def test_values_reach_the_database_as_parameters(notes_db):
    with tenant_transaction(notes_db.sessions, TENANT) as s:
        s.add_all(Note(body=b) for b in ("apple", "apricot", "banana"))
    for values, expected in (({"prefix": "ap"}, ["apple", "apricot"]),
                             ({"prefix": "b"}, ["banana"]),
                             ({"body": "apple", "prefix": "ap"}, ["apple"]),
                             ({}, ["apple", "apricot", "banana"])):
        stmt, params = NOTES.statement(values)
        with tenant_transaction(notes_db.sessions, TENANT) as s:
            page = paginate(s, stmt, _request(include_total=True), dump, params)
        assert [n["body"] for n in page["data"]] == expected
        assert page["page"]["total"] == len(expected)


def test_a_kept_statement_keeps_a_bounded_number_of_paged_forms():
    stmt, _ = NOTES.statement({"body": "a"})
    request = _request()
    assert _paged_form(stmt, request) is _paged_form(stmt, request)
    for _ in range(MAX_FORMS_PER_STATEMENT * 2):  # a new sort expression each call
        sort = func.lower(Note.body)
        custom = PageRequest.parse(collection="notes", sorts={"body": sort},
                                   tiebreaker=Note.id, sort="body")
        _paged_form(stmt, custom)
    assert len(_PAGED_FORMS[stmt]) <= MAX_FORMS_PER_STATEMENT


def test_past_its_bound_a_list_builds_statements_without_keeping_them(monkeypatch):
    import shared.list_queries as module
    monkeypatch.setattr(module, "MAX_SHAPES", 1)
    bounded = ListQuery(lambda: select(Note), {"a": Note.body.__eq__, "b": Note.body.__ne__})
    kept, _ = bounded.statement({"a": "x"})
    assert bounded.statement({"a": "y"})[0] is kept
    assert bounded.statement({"b": "x"})[0] is not bounded.statement({"b": "x"})[0]
