"""Event handlers that retry with a delay and end in a dead-letter queue.

nameko acks a message whose handler raised (or, with `requeue_on_error`, redelivers it
at once, in a tight loop). Here a failed message is republished to `<queue>.retry`, a
queue whose messages expire after a growing delay and dead-letter back into the handler's
queue; after the last attempt it goes to `<queue>.dlq`, where an operator inspects and
replays it (`python -m shared.dead_letters`). The original is acked only after the copy
is confirmed by the broker, so nothing is silently dropped.

Handlers receive the event envelope; they make their effect idempotent with
`shared.inbox.first_delivery` in the effect's transaction.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.constants import PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler
from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-bureau-attempts"
ERROR_HEADER = "x-bureau-last-error"
DEFAULT_DELAYS = (1.0, 5.0, 30.0, 120.0, 600.0)


def retry_delays() -> tuple[float, ...]:
    """Seconds before each retry; BUREAU_EVENT_RETRY_DELAYS="0.1,0.2" shortens them in tests."""
    raw = os.environ.get("BUREAU_EVENT_RETRY_DELAYS")
    if not raw:
        return DEFAULT_DELAYS
    return tuple(float(x) for x in raw.split(",") if x.strip())


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
        )

    def start(self) -> None:
        # Declare the side queues now, so an operator sees them before the first failure.
        with self.publisher_connection() as conn:
            for queue in (self.retry_queue, self.dead_letter_queue):
                queue.bind(conn.default_channel).declare()
        super().start()

    def publisher_connection(self) -> Connection:
        return Connection(self.container.config["AMQP_URI"])

    def handle_result(
        self, message: Any, worker_ctx: Any, result: Any = None, exc_info: Any = None
    ) -> tuple[Any, Any]:
        if exc_info is not None:
            try:
                self._park(message, exc_info)
            except Exception:
                # Could not park it: give it back to the broker rather than lose it.
                log.exception("could not park a failed event; requeueing it")
                self.queue_consumer.requeue_message(message)
                return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info

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
