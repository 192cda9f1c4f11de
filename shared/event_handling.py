"""Event handlers that retry with a delay and end in a dead-letter queue.

nameko acks a message whose handler raised (or, with `requeue_on_error`, redelivers it
at once, in a tight loop). Here a failed message is republished to `<queue>.retry`, a
queue whose messages expire after a growing delay and dead-letter back into the handler's
queue; after the last attempt it goes to `<queue>.dlq`, where an operator inspects and
replays it (`python -m shared.dead_letters`). The original is acked only after the copy
is confirmed by the broker and routed to its queue (`mandatory`), so nothing is silently
dropped. If parking fails (the broker refuses the copy, a side queue was deleted), the
original goes back to the broker after a pause that grows while parking keeps failing,
never in a tight loop, and the side queues are declared again.

Handlers receive the event envelope; they make their effect idempotent with
`shared.inbox.first_delivery` in the effect's transaction.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import eventlet
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.constants import PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler
from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-bureau-attempts"
ERROR_HEADER = "x-bureau-last-error"
DEFAULT_DELAYS = (1.0, 5.0, 30.0, 120.0, 600.0)
PARK_FAILURE_PAUSE_CAP = 10.0
"""The longest a worker holds an event it could not park: a stop waits for workers."""


def retry_delays() -> tuple[float, ...]:
    """Seconds before each retry; BUREAU_EVENT_RETRY_DELAYS="0.1,0.2" shortens them in tests."""
    raw = os.environ.get("BUREAU_EVENT_RETRY_DELAYS")
    if not raw:
        return DEFAULT_DELAYS
    return tuple(float(x) for x in raw.split(",") if x.strip())


def park_failure_pause(failures: int) -> float:
    """Seconds to hold an event that could not be parked, after `failures` failures in a
    row: the retry delays' schedule, capped, so a broken broker is not hammered."""
    delays = retry_delays() or DEFAULT_DELAYS
    return min(PARK_FAILURE_PAUSE_CAP, delays[min(failures, len(delays)) - 1])


def retry_queue_name(queue_name: str) -> str:
    return f"{queue_name}.retry"


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}.dlq"


def side_queues(queue_name: str) -> tuple[Queue, Queue]:
    """The retry and dead-letter queues of a handler queue, bound to the default exchange."""
    default = Exchange("", type="direct")
    retry = Queue(
        retry_queue_name(queue_name),
        exchange=default,
        routing_key=retry_queue_name(queue_name),
        durable=True,
        queue_arguments={
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue_name,
        },
    )
    dlq = Queue(
        dead_letter_queue_name(queue_name),
        exchange=default,
        routing_key=dead_letter_queue_name(queue_name),
        durable=True,
    )
    return retry, dlq


class ReliableEventHandler(EventHandler):
    """A SERVICE_POOL event handler with delayed retries and a dead-letter queue."""

    def setup(self) -> None:
        super().setup()
        self.retry_queue, self.dead_letter_queue = side_queues(self.queue.name)
        self.publisher = Publisher(
            self.container.config["AMQP_URI"],
            use_confirms=True,
            delivery_mode=PERSISTENT,
            declare=[self.retry_queue, self.dead_letter_queue],
            mandatory=True,
        )
        self.park_failures = 0

    def start(self) -> None:
        # Declare the side queues now, so an operator sees them before the first failure.
        self.declare_side_queues()
        super().start()

    def declare_side_queues(self) -> None:
        with self.publisher_connection() as conn:
            for queue in (self.retry_queue, self.dead_letter_queue):
                queue.bind(conn.default_channel).declare()

    def publisher_connection(self) -> Connection:
        return Connection(self.container.config["AMQP_URI"])

    def handle_result(
        self, message: Any, worker_ctx: Any, result: Any = None, exc_info: Any = None
    ) -> tuple[Any, Any]:
        if exc_info is not None:
            try:
                self._park(message, exc_info)
            except Exception:
                self._requeue_after_pause(message)
                return result, exc_info
            self.park_failures = 0
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def _requeue_after_pause(self, message: Any) -> None:
        """Give an event that could not be parked back to the broker rather than lose it,
        after a pause (eventlet's: other workers go on), and declare the side queues again
        in case one was deleted (the publisher believes it declared them already)."""
        self.park_failures += 1
        pause = park_failure_pause(self.park_failures)
        log.exception(
            "could not park a failed event (%d failure(s) in a row); requeueing it in %.1fs",
            self.park_failures, pause,
        )
        eventlet.sleep(pause)
        try:
            self.declare_side_queues()
        except Exception:
            log.warning("could not declare the side queues of %s", self.queue.name)
        self.queue_consumer.requeue_message(message)

    def _park(self, message: Any, exc_info: Any) -> None:
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        headers[ERROR_HEADER] = f"{exc_info[0].__name__}: {exc_info[1]}"[:500]
        delays = retry_delays()
        if attempts <= len(delays):
            target = self.retry_queue.name
            expiration = delays[attempts - 1]
            log.warning(
                "handler %s failed (attempt %d), retrying in %.1fs: %s",
                self.method_name, attempts, expiration, headers[ERROR_HEADER],
            )
        else:
            target = self.dead_letter_queue.name
            expiration = None
            log.error(
                "handler %s failed %d times, dead-lettered: %s",
                self.method_name, attempts, headers[ERROR_HEADER],
            )
        self.publisher.publish(
            message.body,
            exchange="",
            routing_key=target,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            headers=headers,
            expiration=expiration,
            serializer=None,
        )


class Delivery:
    """Which attempt at an event this worker is: `last` when a failure now dead-letters it
    (a handler may then record the failure for its users, beside the operator's queue)."""

    def __init__(self, attempt: int, attempts: int) -> None:
        self.attempt = attempt
        self.attempts = attempts

    @property
    def last(self) -> bool:
        return self.attempt >= self.attempts


class EventDelivery(DependencyProvider):
    """`self.delivery` in a `handles` handler: the attempt number, read from the
    `x-bureau-attempts` header its retries carry (nameko hands headers to the worker)."""

    def get_dependency(self, worker_ctx: Any) -> Delivery:
        failed_before = int((worker_ctx.context_data or {}).get(ATTEMPTS_HEADER) or 0)
        return Delivery(failed_before + 1, len(retry_delays()) + 1)


def handles(source_service: str, event_type: str) -> Any:
    """Decorate a service method as the (competing-consumer) handler of one event type."""
    return ReliableEventHandler.decorator(
        source_service, event_type, handler_type=SERVICE_POOL, reliable_delivery=True
    )
