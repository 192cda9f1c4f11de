"""Events end to end on the real broker: outbox, relay, inbox, retries, dead letters."""

import contextlib
import threading
import time
import uuid
from collections import Counter
from datetime import datetime

import eventlet
import pytest
from kombu import Connection, Queue
from nameko.events import get_event_exchange
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import create_engine, text

from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.event_handling import dead_letter_queue_name, retry_queue_name
from shared.outbox import record_event, record_events
from shared.outbox_relay import EventPublisher, backoff_seconds, relay_batch
from shared.testing import TcpProxy, wait_until
from shared.tests.conftest import tally
from shared.tests.notes_service import Note, NotesConsumer
from shared.tests.witness_service import Witness

TENANT = str(uuid.uuid4())
HANDLER_QUEUE = "evt-notes-notes.note.created--notes.count_created"
CLOCK_SLACK = 0.01
"""Timer granularity allowed when a measured pause is compared with a configured one."""


def _write_note(db, body="hello"):
    """A use case's transaction: the change and its event commit together."""
    ctx = CallContext(tenant_id=TENANT, request_id="req-1")
    with tenant_transaction(db.sessions, ctx) as session:
        note = Note(body=body)
        session.add(note)
        session.flush()
        return record_event(
            session, ctx, "notes.note.created", {"note_id": note.id, "body": body}
        )


def _write_notes(db, count):
    """One bulk use case: `count` events in one transaction."""
    ctx = CallContext(tenant_id=TENANT, request_id="req-bulk")
    items = [{"note_id": uuid.uuid4(), "body": f"bulk-{i}"} for i in range(count)]
    with tenant_transaction(db.sessions, ctx) as session:
        record_events(session, ctx, "notes.note.created", items)


def _outbox(db):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT status, attempts FROM outbox ORDER BY seq")).all()


def _outbox_ids(db):
    with db.engine.connect() as conn:
        return set(conn.execute(text("SELECT id::text FROM outbox")).scalars())


@contextlib.contextmanager
def _tap(rabbit_config, name="tap", **queue_arguments):
    """A queue bound to the notes events exchange: what the relay really got to the broker."""
    exchange = get_event_exchange("notes", rabbit_config)
    queue = Queue(name, exchange=exchange, routing_key="notes.note.created",
                  queue_arguments=queue_arguments or None)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        bound = queue(conn.default_channel)
        bound.declare()
        try:
            yield bound
        finally:
            bound.delete()


def _drain_ids(bound_queue):
    """Event ids of every message on the queue (consumed), in arrival order."""
    ids = []
    while (message := bound_queue.get(no_ack=True)) is not None:
        ids.append(message.payload["id"])
    return ids


def test_an_event_is_published_after_commit_and_consumed_once(notes_service, notes_db):
    envelope = _write_note(notes_db)
    wait_until(lambda: tally(notes_db) == 1)
    # marked sent after the broker's confirm: the consumer may count it a moment before
    wait_until(lambda: _outbox(notes_db) == [("sent", 0)], timeout=10)
    assert envelope["type"] == "notes.note.created"
    assert envelope["tenant_id"] == TENANT
    assert envelope["correlation_id"] == "req-1"
    assert set(envelope) == {
        "id", "type", "version", "tenant_id", "occurred_at", "producer", "correlation_id", "data"
    }


FULL_CONTEXT = CallContext(
    tenant_id=TENANT,
    user_id=str(uuid.uuid4()),
    roles=("admin", "owner"),
    impersonator_id=str(uuid.uuid4()),
    request_id="req-full",
    traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
)


def _outbox_headers(db, event_type):
    with db.engine.connect() as conn:
        query = text("SELECT headers, envelope FROM outbox WHERE event_type = :t")
        return conn.execute(query, {"t": event_type}).one()


def test_the_whole_call_context_travels_through_an_event_to_another_service_and_on(
    notes_service, container_factory, service_config, notes_db, rabbit_config, monkeypatch
):
    """A call's six context fields reach the event's handler in another container, which
    passes them on to the RPC it makes and to the event it records."""
    monkeypatch.setattr(Witness, "seen", [])
    container_factory(Witness, service_config(notes_db)).start()
    with ServiceRpcProxy("notes", rabbit_config, context_data=FULL_CONTEXT.to_wire()) as notes:
        notes.create(body="watched")

    (handler_ctx, seen_by_notes), = wait_until(lambda: Witness.seen)
    assert handler_ctx == FULL_CONTEXT
    assert seen_by_notes == FULL_CONTEXT
    for event_type in ("notes.note.created", "witness.note.seen"):
        headers, envelope = _outbox_headers(notes_db, event_type)
        assert CallContext.from_wire(headers) == FULL_CONTEXT, event_type
        assert envelope["correlation_id"] == "req-full"


def test_a_rolled_back_use_case_leaves_no_event(notes_service, notes_db, rabbit_config):
    with ServiceRpcProxy("notes", rabbit_config, context_data={"tenant_id": TENANT}) as notes:
        with pytest.raises(Exception, match="RuntimeError"):
            notes.create_then_fail(body="doomed")
        notes.create(body="kept")
    wait_until(lambda: tally(notes_db) == 1)
    assert len(_outbox(notes_db)) == 1


def test_a_relay_that_dies_between_publish_and_mark_causes_one_effect(
    container_factory, service_config, notes_db, rabbit_config
):
    consumer = container_factory(NotesConsumer, service_config(notes_db))
    consumer.start()
    _write_note(notes_db)
    publish = EventPublisher(rabbit_config["AMQP_URI"], "notes", rabbit_config)

    def die():
        raise SystemExit("relay process killed after publishing")

    with pytest.raises(SystemExit):
        with notes_db.engine.begin() as conn:
            relay_batch(conn, publish, before_mark=die)
    assert _outbox(notes_db) == [("pending", 0)]
    with notes_db.engine.begin() as conn:
        assert relay_batch(conn, publish).sent == 1

    wait_until(lambda: tally(notes_db, "deliveries") == 2)
    assert tally(notes_db, "created") == 1
    assert _outbox(notes_db) == [("sent", 0)]


def test_an_event_nobody_listens_to_is_marked_unroutable(notes_db, rabbit_config):
    _write_note(notes_db)
    publish = EventPublisher(rabbit_config["AMQP_URI"], "notes", rabbit_config)
    with notes_db.engine.begin() as conn:
        result = relay_batch(conn, publish)
    assert (result.sent, result.unroutable) == (0, 1)
    assert _outbox(notes_db) == [("unroutable", 1)]


def test_an_event_the_broker_refuses_stays_pending_and_is_sent_once_accepted(
    notes_db, rabbit_config
):
    """Publisher confirms: a routed event the broker nacks (its only queue is full and
    rejects publishes) is not marked sent; it is postponed and sent by a later pass."""
    _write_note(notes_db)
    publish = EventPublisher(rabbit_config["AMQP_URI"], "notes", rabbit_config)
    with _tap(rabbit_config, "full", **{"x-max-length": 0, "x-overflow": "reject-publish"}):
        with notes_db.engine.begin() as conn:
            result = relay_batch(conn, publish)
    assert (result.sent, result.unroutable, result.failed) == (0, 0, 1)
    assert _outbox(notes_db) == [("pending", 1)]
    with notes_db.engine.connect() as conn:
        error, later = conn.execute(
            text("SELECT last_error, next_attempt_at > now() FROM outbox")
        ).one()
    assert error and later  # kombu reports the nack as an OperationalError

    with _tap(rabbit_config) as tap:
        with notes_db.engine.begin() as conn:
            conn.execute(text("UPDATE outbox SET next_attempt_at = now()"))  # due now
            assert relay_batch(conn, publish).sent == 1
        assert _outbox(notes_db) == [("sent", 1)]
        assert _drain_ids(tap) == list(_outbox_ids(notes_db))


def test_two_relays_draining_one_outbox_publish_every_event_exactly_once(
    notes_db, rabbit_config
):
    """Two replicas' relays, each on its own database connection: while one holds a batch
    (claimed, published, not yet marked), the other skips it (SKIP LOCKED) and publishes
    the next rows; in the end every row is sent and on the broker once."""
    _write_notes(notes_db, 300)
    amqp = rabbit_config["AMQP_URI"]
    first_holds_a_batch = threading.Event()
    second_published = threading.Event()

    def relay(name, before_first_mark=None):
        engine = create_engine(notes_db.url)
        publish = EventPublisher(amqp, "notes", rabbit_config)
        published = []

        def counting(envelope, headers, event_type):
            publish(envelope, headers, event_type)
            published.append(envelope["id"])
            if name == "second":
                second_published.set()

        try:
            hook = before_first_mark
            while True:
                with engine.begin() as conn:
                    result = relay_batch(conn, counting, limit=20, before_mark=hook)
                hook = None
                if not result.handled:
                    return published
        finally:
            engine.dispose()

    def hold_until_the_second_publishes():
        first_holds_a_batch.set()
        assert second_published.wait(5), "the second relay waited on the first one's rows"

    with _tap(rabbit_config) as tap:
        first = eventlet.spawn(relay, "first", hold_until_the_second_publishes)
        assert first_holds_a_batch.wait(5)
        second = eventlet.spawn(relay, "second")
        by_first, by_second = first.wait(), second.wait()
        arrived = Counter(_drain_ids(tap))

    assert by_first and by_second
    assert set(by_first).isdisjoint(by_second)
    assert set(arrived) == _outbox_ids(notes_db)
    assert set(arrived.values()) == {1}
    assert len(arrived) == 300
    assert {s for s, _ in _outbox(notes_db)} == {"sent"}


def test_two_service_replicas_relay_a_bulk_change_exactly_once(
    container_factory, service_config, notes_db, rabbit_config
):
    """The same with the relays as they run: two containers of the service, one database."""
    with _tap(rabbit_config) as tap:
        for _ in range(2):
            container_factory(NotesConsumer.__bases__[0], service_config(notes_db)).start()
        _write_notes(notes_db, 300)
        wait_until(lambda: {s for s, _ in _outbox(notes_db)} == {"sent"}, timeout=30)
        arrived = Counter(_drain_ids(tap))
    assert set(arrived) == _outbox_ids(notes_db)
    assert set(arrived.values()) == {1}
    wait_until(lambda: tally(notes_db) == 300, timeout=30)


def test_events_committed_while_the_broker_is_unreachable_arrive_when_it_returns(
    container_factory, service_config, notes_db, rabbit_config
):
    amqp = rabbit_config["AMQP_URI"]
    vhost = amqp.rsplit("/", 1)[1]
    proxy = TcpProxy("127.0.0.1", 5672)
    via_proxy = f"amqp://guest:guest@127.0.0.1:{proxy.port}/{vhost}"
    container = container_factory(
        NotesConsumer.__bases__[0], service_config(notes_db, AMQP_URI=via_proxy)
    )
    try:
        container.start()
        _write_note(notes_db, "before")
        wait_until(lambda: tally(notes_db) == 1)

        proxy.cut()
        for i in range(10):
            _write_note(notes_db, f"during-{i}")

        # The relay keeps trying the first pending row, each time later than the last.
        tries: dict[int, datetime] = {}  # attempts -> next_attempt_at

        def tried_three_times():
            with notes_db.engine.connect() as conn:
                attempts, due = conn.execute(text(
                    "SELECT attempts, next_attempt_at FROM outbox WHERE status = 'pending' "
                    "ORDER BY seq LIMIT 1"
                )).one()
            tries.setdefault(attempts, due)
            return attempts >= 3

        wait_until(tried_three_times, timeout=10)
        assert {1, 2, 3} <= set(tries)
        # The k-th failure postpones the row by backoff_seconds(k-1) (0.5 s, 1 s, 2 s) and
        # a retry waits for the row to be due, so each due time is at least the next
        # postponement after the previous one: 1 s, then 2 s.
        for k in (2, 3):
            gap = (tries[k] - tries[k - 1]).total_seconds()
            assert gap >= backoff_seconds(k - 1) - CLOCK_SLACK, (k, gap)
        assert {s for s, _ in _outbox(notes_db)} == {"sent", "pending"}

        proxy.restore()
        wait_until(lambda: tally(notes_db) == 11, timeout=60)
        # The relay marks a row sent after the broker's confirm, so a consumer may count
        # the last event a moment before its row is marked: wait for the mark too.
        wait_until(lambda: {s for s, _ in _outbox(notes_db)} == {"sent"}, timeout=10)
        assert tally(notes_db) == 11  # and nothing was delivered twice meanwhile
    finally:
        # Stop the service while the broker is reachable: a consumer killed while it
        # reconnects through a cut proxy retries forever and the kill waits for it.
        proxy.restore()
        container.kill()
        proxy.close()


def test_a_failing_handler_is_retried_with_a_delay_then_succeeds(
    notes_service, notes_db, monkeypatch
):
    from shared.tests.notes_service import FailSwitch

    monkeypatch.setenv("BUREAU_EVENT_RETRY_DELAYS", "0.2,0.2")
    monkeypatch.setattr(FailSwitch, "failures_left", 1)
    _write_note(notes_db)
    wait_until(lambda: tally(notes_db) == 1, timeout=15)
    assert FailSwitch.failures_left == 0


def test_a_handler_that_keeps_failing_ends_in_the_dead_letter_queue(
    notes_service, notes_db, rabbit_config, monkeypatch
):
    from shared.tests.notes_service import FailSwitch

    monkeypatch.setenv("BUREAU_EVENT_RETRY_DELAYS", "0.2,0.4")
    monkeypatch.setattr(FailSwitch, "failures_left", 1000)
    monkeypatch.setattr(FailSwitch, "deliveries", [])
    monkeypatch.setattr(FailSwitch, "delivered_at", [])
    envelope = _write_note(notes_db)

    def dead_letter():
        with Connection(rabbit_config["AMQP_URI"]) as conn:
            queue = conn.SimpleQueue(dead_letter_queue_name(HANDLER_QUEUE))
            try:
                message = queue.get(block=True, timeout=0.2)
            except queue.Empty:
                return None
            finally:
                queue.close()
            message.ack()
            return message

    message = wait_until(dead_letter, timeout=15)
    assert message.payload["id"] == envelope["id"]
    assert message.headers["x-bureau-attempts"] == 3
    assert "handler failed on purpose" in message.headers["x-bureau-last-error"]
    assert message.headers["nameko.tenant_id"] == TENANT
    assert tally(notes_db) == 0
    # the handler knew which attempt was its last (EventDelivery)
    assert FailSwitch.deliveries == [(1, False), (2, False), (3, True)]
    # each retry came after its configured delay, never at once
    first, second, third = FailSwitch.delivered_at
    assert second - first >= 0.2 - CLOCK_SLACK
    assert third - second >= 0.4 - CLOCK_SLACK


def test_an_event_that_cannot_be_parked_is_requeued_after_a_pause_not_lost(
    notes_service, notes_db, rabbit_config, monkeypatch
):
    """Its retry queue deleted under the running handler (whose publisher believes it
    declared it), a failed event cannot be parked: the broker has no queue to route the
    copy to. It is not acked into the void; it goes back to the handler's queue after the
    first retry delay, not at once; the retry queue is declared again, so the next failure
    parks as usual."""
    from shared.tests.notes_service import FailSwitch

    monkeypatch.setenv("BUREAU_EVENT_RETRY_DELAYS", "0.3")
    monkeypatch.setattr(FailSwitch, "failures_left", 1)
    _write_note(notes_db, "parks once")  # the publisher declares the side queues
    wait_until(lambda: tally(notes_db) == 1, timeout=15)

    monkeypatch.setattr(FailSwitch, "failures_left", 2)
    monkeypatch.setattr(FailSwitch, "deliveries", [])
    monkeypatch.setattr(FailSwitch, "delivered_at", [])
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.default_channel.queue_delete(retry_queue_name(HANDLER_QUEUE))
    _write_note(notes_db, "cannot park")

    wait_until(lambda: tally(notes_db) == 2, timeout=15)
    # requeued (same attempt), then parked for a retry (attempt 2, the last), then handled
    assert FailSwitch.deliveries == [(1, False), (1, False), (2, True)]
    first, second, third = FailSwitch.delivered_at
    assert second - first >= 0.3 - CLOCK_SLACK
    assert third - second >= 0.3 - CLOCK_SLACK


def test_slow_queries_in_one_service_overlap(notes_service, rabbit_config):
    """psycopg waits with select under eventlet: two 0.5 s queries take ~0.5 s, not 1 s."""
    with ServiceRpcProxy("notes", rabbit_config) as notes:
        notes.slow_query(seconds=0.01)  # warm the pool
        started = time.monotonic()
        first = notes.slow_query.call_async(seconds=0.5)
        second = notes.slow_query.call_async(seconds=0.5)
        assert (first.result(), second.result()) == (0.5, 0.5)
        elapsed = time.monotonic() - started
    assert elapsed < 0.9, f"queries ran one after the other ({elapsed:.2f}s)"


def test_psycopg_waits_on_the_hub_and_honours_a_timeout():
    """shared.runtime's wait: psycopg's wait is ours, it reads when ready, and a timeout
    ends a wait on a silent socket with psycopg's own wait-timeout error."""
    import socket

    import psycopg.errors
    import psycopg.waiting

    from shared.runtime import wait_green

    assert psycopg.waiting.wait is wait_green
    left, right = socket.socketpair()

    def reads_one():
        ready = yield psycopg.waiting.WAIT_R
        assert ready == psycopg.waiting.READY_R
        return left.recv(1)

    right.send(b"x")
    assert wait_green(reads_one(), left.fileno()) == b"x"

    def waits_forever():
        while True:
            yield psycopg.waiting.WAIT_R

    started = time.monotonic()
    with pytest.raises(psycopg.errors._WaitTimeout):
        wait_green(waits_forever(), left.fileno(), timeout=0.1)
    assert 0.09 < time.monotonic() - started < 0.5
    left.close()
    right.close()


def test_dead_letters_can_be_listed_and_replayed_once_the_cause_is_fixed(
    notes_service, notes_db, rabbit_config, monkeypatch
):
    from shared.dead_letters import list_dead_letters, replay
    from shared.tests.notes_service import FailSwitch

    monkeypatch.setenv("BUREAU_EVENT_RETRY_DELAYS", "0.05")
    monkeypatch.setattr(FailSwitch, "failures_left", 2)
    envelope = _write_note(notes_db)
    amqp = rabbit_config["AMQP_URI"]
    listed = wait_until(lambda: list_dead_letters(amqp, HANDLER_QUEUE), timeout=15)
    assert [d["event_id"] for d in listed] == [envelope["id"]]
    assert tally(notes_db) == 0

    assert replay(amqp, HANDLER_QUEUE) == 1
    wait_until(lambda: tally(notes_db) == 1, timeout=15)
    assert list_dead_letters(amqp, HANDLER_QUEUE) == []


def test_unroutable_events_can_be_requeued(notes_db, rabbit_config):
    from shared.outbox_admin import requeue_unroutable, stats

    _write_note(notes_db)
    publish = EventPublisher(rabbit_config["AMQP_URI"], "notes", rabbit_config)
    with notes_db.engine.begin() as conn:
        relay_batch(conn, publish)
    assert stats(notes_db.url) == {"unroutable": 1}
    assert requeue_unroutable(notes_db.url) == 1
    assert stats(notes_db.url) == {"pending": 1}
