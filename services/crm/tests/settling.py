"""Letting crm's background work finish before a test's tables are emptied.

A test that starts an import (or records events) ends while crm may still be running a
pass or relaying its events; emptying the tables under them deadlocks the teardown. The
modules that do so override `rpc` with `settled_rpc`, which waits for quiet first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

from shared.testing import ServiceDatabase, wait_until

_BUSY = text(
    "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending') "
    "+ (SELECT count(*) FROM imports WHERE status IN ('validating', 'importing'))"
)


def wait_for_quiet(database: ServiceDatabase, timeout: float = 30.0) -> None:
    engine = create_engine(database.owner_url)

    def quiet() -> bool:
        with engine.connect() as conn:
            return conn.execute(_BUSY).scalar_one() == 0

    try:
        wait_until(quiet, timeout=timeout, interval=0.05)
    finally:
        engine.dispose()


def settled(rpc: Any, database: ServiceDatabase) -> Any:
    yield rpc
    wait_for_quiet(database)
