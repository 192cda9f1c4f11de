"""Reads without a transaction: autocommit, read-only connections whose scope is set on
the connection and remembered for it (shared.db.make_read_engine, shared/tenancy.py).

One pooled connection (pool_size=1) makes every read below land on the same server
session, so each test sees what the previous read left on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import sessionmaker

from shared.call_context import CallContext
from shared.db import make_read_engine, tenant_transaction
from shared.tenancy import scope_to_tenant
from shared.testing import statements_sent
from shared.tests.notes_service import Note

A = str(uuid.uuid4())
B = str(uuid.uuid4())
SEES = text("SELECT body FROM notes ORDER BY body")  # raw SQL: only RLS confines it


@pytest.fixture
def reads(notes_db: Any) -> Iterator[sessionmaker]:
    engine = make_read_engine(notes_db.url, pool_size=1)  # one at a time: always the same
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _sent(factory: sessionmaker) -> Any:
    return statements_sent(factory.kw["bind"])


def _add(db: Any, tenant: str, body: str) -> None:
    with tenant_transaction(db.sessions, CallContext(tenant_id=tenant)) as s:
        s.add(Note(body=body))


def _read(factory: sessionmaker, tenant: str | None) -> list[str]:
    with tenant_transaction(factory, CallContext(tenant_id=tenant)) as s:
        return list(s.execute(SEES).scalars())


def test_a_read_sends_no_begin_and_sees_only_its_tenant(notes_db: Any, reads: Any) -> None:
    _add(notes_db, A, "a1")
    _add(notes_db, B, "b1")
    with tenant_transaction(reads, CallContext(tenant_id=A)) as s:
        orm = [n.body for n in s.scalars(select(Note))]
        raw = list(s.execute(SEES).scalars())
        status = s.connection().connection.driver_connection.info.transaction_status.name
    assert orm == ["a1"]
    assert raw == ["a1"]
    assert status == "IDLE"  # no transaction open between statements: none was begun


def test_the_scope_is_set_once_for_a_connection_that_keeps_its_tenant(
    notes_db: Any, reads: Any
) -> None:
    _add(notes_db, A, "a1")
    with _sent(reads) as sent:
        assert _read(reads, A) == ["a1"]
        assert _read(reads, A) == ["a1"]
    scopes = [sql for sql, _ in sent if "set_config" in sql]
    assert len(scopes) == 1, sent
    assert "false" in scopes[0]  # on the session: there is no transaction to hold it


def test_each_read_runs_in_its_own_scope_never_the_one_before(notes_db: Any, reads: Any) -> None:
    _add(notes_db, A, "a1")
    _add(notes_db, B, "b1")
    assert _read(reads, A) == ["a1"]
    assert _read(reads, B) == ["b1"]
    assert _read(reads, None) == []  # a scoped session with no tenant sees nothing
    assert _read(reads, A) == ["a1"]
    session = reads()  # an unscoped session after a scoped one: no tenant either
    try:
        with session.begin():
            assert list(session.execute(SEES).scalars()) == []
            assert session.execute(text("SELECT current_setting('app.tenant_id')")).scalar() == ""
    finally:
        session.close()


def test_a_tenant_learnt_midway_reaches_the_connection(notes_db: Any, reads: Any) -> None:
    _add(notes_db, B, "b1")
    with tenant_transaction(reads, CallContext(tenant_id=A)) as s:
        assert list(s.execute(SEES).scalars()) == []
        scope_to_tenant(s, B)
        assert list(s.execute(SEES).scalars()) == ["b1"]
    assert _read(reads, A) == []


def test_a_replaced_connection_is_scoped_again(notes_db: Any, reads: Any) -> None:
    _add(notes_db, A, "a1")
    assert _read(reads, A) == ["a1"]
    session = reads()
    session.connection().invalidate()  # the pool opens a new server session next time
    session.close()
    with _sent(reads) as sent:
        assert _read(reads, A) == ["a1"]
    assert [sql for sql, _ in sent if "set_config" in sql]


def test_a_write_on_a_read_connection_fails_and_leaves_nothing(notes_db: Any, reads: Any) -> None:
    with pytest.raises(InternalError, match="read-only transaction"):
        with tenant_transaction(reads, CallContext(tenant_id=A)) as s:
            s.add(Note(body="smuggled"))
            s.flush()
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=A)) as s:
        assert s.scalars(select(Note)).all() == []
    assert _read(reads, A) == []  # and the connection still serves reads
