"""The nameko database provider: a worker's transactions share one session, closed after it;
its reads (`reading`) take a session of their own on the read engine.

One session per worker keeps the objects a worker loaded in one transaction usable in the
next (expire_on_commit is off); closing it at teardown lets none of them outlive the
worker. Seen on a real container: the test keeps the worker's session alive (otherwise its
garbage collection would detach the objects too, close or not) and sees the object the
worker loaded leave it once the worker is done.
"""

from __future__ import annotations

import uuid
from typing import Any

from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import inspect, select
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session

from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.db_provider import Database
from shared.rpc import rpc
from shared.testing import wait_until
from shared.tests.notes_service import Note

TENANT = str(uuid.uuid4())


class TwoTransactions:
    name = "two_transactions"

    db = Database()
    loaded: list[tuple[Session, Note]] = []
    """Each worker's session and the note it loaded, kept past the worker."""

    @rpc
    def read_twice(self, note_id: str) -> dict[str, bool]:
        with self.db.transaction() as first:
            note = first.get(Note, uuid.UUID(note_id))
        with self.db.transaction() as second:
            still_held = note in second
        TwoTransactions.loaded.append((second, note))  # type: ignore[arg-type]
        return {"same_session": first is second, "still_held": still_held}

    @rpc
    def read_then_write(self) -> dict[str, Any]:
        with self.db.reading() as reading:
            bodies = [n.body for n in reading.scalars(select(Note))]
            in_transaction = reading.connection().connection.driver_connection.info
            idle = in_transaction.transaction_status.name == "IDLE"
        with self.db.transaction() as writing:
            writing.add(Note(body="written"))
        try:
            with self.db.reading() as reading:
                reading.add(Note(body="smuggled"))
                reading.flush()
            refused = False
        except InternalError:
            refused = True
        return {"bodies": bodies, "idle": idle, "separate": reading is not writing,
                "write_refused": refused}


def test_a_workers_transactions_share_one_session_closed_at_teardown(
    container_factory: Any, service_config: Any, notes_db: Any, rabbit_config: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(TwoTransactions, "loaded", [])
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=TENANT)) as session:
        note = Note(body="kept")
        session.add(note)
        session.flush()
        note_id = str(note.id)
    container_factory(TwoTransactions, service_config(notes_db)).start()

    with ServiceRpcProxy("two_transactions", rabbit_config,
                         context_data={"tenant_id": TENANT}) as service:
        assert service.read_twice(note_id) == {"same_session": True, "still_held": True}

    ((worker_session, loaded),) = TwoTransactions.loaded
    assert str(loaded.id) == note_id
    wait_until(lambda: loaded not in worker_session, timeout=5)  # teardown follows the reply
    assert inspect(loaded).detached


def test_a_worker_reads_on_its_own_session_outside_any_transaction(
    container_factory: Any, service_config: Any, notes_db: Any, rabbit_config: Any,
) -> None:
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=TENANT)) as session:
        session.add(Note(body="kept"))
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=str(uuid.uuid4()))) as s:
        s.add(Note(body="another firm's"))
    container_factory(TwoTransactions, service_config(notes_db)).start()

    with ServiceRpcProxy("two_transactions", rabbit_config,
                         context_data={"tenant_id": TENANT}) as service:
        assert service.read_then_write() == {
            "bodies": ["kept"], "idle": True, "separate": True, "write_refused": True,
        }
    with tenant_transaction(notes_db.sessions, CallContext(tenant_id=TENANT)) as session:
        assert sorted(n.body for n in session.scalars(select(Note))) == ["kept", "written"]
