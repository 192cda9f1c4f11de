"""Publish committed outbox rows to RabbitMQ, at least once, in order per service.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas share the work without
publishing the same row concurrently. Each event is published with publisher confirms and
`mandatory`: a confirmed event is marked sent in the same transaction that claimed it; an
event no queue is bound for is marked `unroutable` (logged and counted, replayable with
`python -m shared.outbox_admin requeue`); a broker failure leaves the row pending with
a growing delay. A crash between publish and mark means the event is published again:
consumers are idempotent (shared/inbox.py), so that has one effect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import PERSISTENT
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from prometheus_client import Counter
from sqlalchemy import Connection, Engine, text

from shared import outbox
from shared.db import make_engine
from shared.db_provider import container_database_url

log = logging.getLogger(__name__)

EVENTS = Counter(
    "bureau_outbox_events_total", "Outbox events handled by the relay", ["service", "outcome"]
)

_CLAIM = text(
    "SELECT seq, id, event_type, envelope, headers, attempts FROM outbox "
    "WHERE status = 'pending' AND next_attempt_at <= now() "
    "ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_SENT = text("UPDATE outbox SET status = 'sent', sent_at = now() WHERE seq = ANY(:seqs)")
_MARK_UNROUTABLE = text(
    "UPDATE outbox SET status = 'unroutable', attempts = attempts + 1, "
    "last_error = 'no queue bound for this event type' WHERE seq = :seq"
)
_POSTPONE = text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error, "
    "next_attempt_at = now() + make_interval(secs => :delay) WHERE seq = :seq"
)
_PURGE_SENT = text(
    "DELETE FROM outbox WHERE status = 'sent' AND sent_at < now() - make_interval(days => :days)"
)


def backoff_seconds(attempts: int) -> float:
    """0.5 s, 1 s, 2 s ... capped at a minute: quick after a blip, gentle during an outage."""
    return float(min(60.0, 0.5 * 2 ** max(0, attempts)))


@dataclass
class BatchResult:
    sent: int = 0
    unroutable: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.unroutable + self.failed


def relay_batch(
    conn: Connection,
    publish: Callable[[dict[str, Any], dict[str, str], str], None],
    *,
    limit: int = 100,
    before_mark: Callable[[], None] | None = None,
) -> BatchResult:
    """Publish up to `limit` due events inside the caller's transaction on `conn`.

    `before_mark` runs after publishing and before the rows are marked: the fault tests
    use it to die at the worst moment.
    """
    result = BatchResult()
    sent: list[int] = []
    for row in conn.execute(_CLAIM, {"limit": limit}).mappings():
        try:
            publish(row["envelope"], row["headers"], row["event_type"])
        except UndeliverableMessage:
            log.warning("event %s (%s) is unroutable", row["id"], row["event_type"])
            conn.execute(_MARK_UNROUTABLE, {"seq": row["seq"]})
            result.unroutable += 1
            continue
        except Exception as exc:  # broker trouble: keep it pending, try later
            log.warning("publishing event %s failed: %r", row["id"], exc)
            conn.execute(
                _POSTPONE,
                {
                    "seq": row["seq"],
                    "error": repr(exc)[:500],
                    "delay": backoff_seconds(row["attempts"]),
                },
            )
            result.failed += 1
            break  # the next rows would fail the same way; keep their order
        sent.append(row["seq"])
    if before_mark is not None:
        before_mark()
    if sent:
        conn.execute(_MARK_SENT, {"seqs": sent})
    result.sent = len(sent)
    return result


class EventPublisher:
    """Publishes envelopes to `<service>.events` the way nameko's dispatcher would."""

    def __init__(self, amqp_uri: str, service_name: str, config: dict[str, Any]) -> None:
        self.exchange = get_event_exchange(service_name, config)
        self.publisher = Publisher(
            amqp_uri,
            use_confirms=True,
            mandatory=True,
            delivery_mode=PERSISTENT,
            serializer="json",
            declare=[self.exchange],
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 1},
        )

    def __call__(self, envelope: dict[str, Any], headers: dict[str, str], event_type: str) -> None:
        self.publisher.publish(
            envelope,
            exchange=self.exchange,
            routing_key=event_type,
            extra_headers={f"nameko.{k}": v for k, v in headers.items()},
            message_id=envelope["id"],
        )


class OutboxRelay(DependencyProvider):
    """Runs the relay loop in every service process for its container's lifetime."""

    batch_size = 100
    idle_poll_seconds = 0.5
    purge_every_seconds = 600.0
    keep_sent_days = 7

    def setup(self) -> None:
        config = self.container.config
        self.engine: Engine = make_engine(container_database_url(self.container), pool_size=1)
        self.publish = EventPublisher(config["AMQP_URI"], self.container.service_name, config)
        self._wake = threading.Event()
        self._stopping = False
        self._thread: Any = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = outbox.on_commit(self._wake.set)
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.wait()
        if self._unsubscribe:
            self._unsubscribe()
        self.engine.dispose()

    def kill(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._unsubscribe:
            self._unsubscribe()

    def get_dependency(self, worker_ctx: Any) -> Callable[[], None]:
        """Workers may nudge the relay (it also wakes by itself after every commit)."""
        return self._wake.set

    def _run(self) -> None:
        service = self.container.service_name
        last_purge = 0.0
        while not self._stopping:
            self._wake.clear()
            try:
                with self.engine.begin() as conn:
                    result = relay_batch(conn, self.publish, limit=self.batch_size)
                    if time.monotonic() - last_purge > self.purge_every_seconds:
                        conn.execute(_PURGE_SENT, {"days": self.keep_sent_days})
                        last_purge = time.monotonic()
            except Exception:
                log.exception("outbox relay pass failed")
                result = BatchResult(failed=1)
            for outcome in ("sent", "unroutable", "failed"):
                if count := getattr(result, outcome):
                    EVENTS.labels(service, outcome).inc(count)
            if result.handled < self.batch_size or result.failed:
                self._wake.wait(self.idle_poll_seconds)
