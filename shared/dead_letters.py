"""Inspect and replay dead-lettered events: `python -m shared.dead_letters list|replay QUEUE`.

QUEUE is a handler's queue (`evt-<source>-<type>--<service>.<method>`); its dead letters
are in `QUEUE.dlq`. Replaying moves each one back to QUEUE with its attempt count reset,
after the cause has been fixed. The handler's inbox keeps a replay from acting twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kombu import Connection

from shared.config import settings
from shared.event_handling import ATTEMPTS_HEADER, ERROR_HEADER, dead_letter_queue_name


def _drain(conn: Connection, queue_name: str, limit: int) -> list[Any]:
    queue = conn.SimpleQueue(queue_name)
    messages = []
    try:
        for _ in range(limit):
            try:
                messages.append(queue.get(block=True, timeout=0.5))
            except queue.Empty:
                break
    finally:
        queue.close()
    return messages


def list_dead_letters(amqp_uri: str, queue: str, limit: int = 100) -> list[dict[str, Any]]:
    """What is dead-lettered (messages are returned to the queue, not consumed)."""
    with Connection(amqp_uri) as conn:
        messages = _drain(conn, dead_letter_queue_name(queue), limit)
        listed = [
            {
                "event_id": m.payload.get("id"),
                "type": m.payload.get("type"),
                "attempts": m.headers.get(ATTEMPTS_HEADER),
                "last_error": m.headers.get(ERROR_HEADER),
            }
            for m in messages
        ]
        for m in messages:
            m.requeue()
    return listed


def replay(amqp_uri: str, queue: str, limit: int = 1000) -> int:
    """Move up to `limit` dead letters back to the handler's queue; returns how many."""
    moved = 0
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for message in _drain(conn, dead_letter_queue_name(queue), limit):
            headers = {k: v for k, v in message.headers.items() if k != ATTEMPTS_HEADER}
            producer.publish(
                message.body,
                exchange="",
                routing_key=queue,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=2,
            )
            message.ack()
            moved += 1
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.dead_letters", description=__doc__)
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("queue")
    parser.add_argument("--amqp-uri", default=settings().amqp_uri)
    args = parser.parse_args(argv)
    if args.action == "list":
        print(json.dumps(list_dead_letters(args.amqp_uri, args.queue), indent=2))
    else:
        print(f"replayed {replay(args.amqp_uri, args.queue)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
