"""Operator commands for a service's outbox: `python -m shared.outbox_admin SERVICE stats|requeue`.

`stats` counts events by status; `requeue` makes unroutable events pending again (after a
consumer's queue exists, for example), and the relay publishes them on its next pass.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import create_engine, text

from shared.config import settings


def stats(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all()
    engine.dispose()
    return {status: int(count) for status, count in rows}


def requeue_unroutable(url: str) -> int:
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.execute(
            text(
                "UPDATE outbox SET status = 'pending', next_attempt_at = now(), "
                "last_error = NULL WHERE status = 'unroutable'"
            )
        )
    engine.dispose()
    return int(result.rowcount)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.outbox_admin", description=__doc__)
    parser.add_argument("service")
    parser.add_argument("action", choices=["stats", "requeue"])
    args = parser.parse_args(argv)
    url = settings().database_url(args.service)
    if args.action == "stats":
        print(json.dumps(stats(url)))
    else:
        print(f"requeued {requeue_unroutable(url)} event(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
