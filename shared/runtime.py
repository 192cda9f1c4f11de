"""The one place a service process prepares its runtime, before anything imports psycopg.

eventlet must patch the standard library first; psycopg 3 must then wait for its socket
with `select` (which eventlet has made cooperative), or every query blocks the whole hub:
measured here, four concurrent `pg_sleep(1)` took 4 s without this and 1 s with it.
(`PSYCOPG_WAIT_FUNC=wait_select` is what makes psycopg cooperative at import; once the
hub is patched in, psycopg's `wait` is replaced by `wait_green`, a cheaper wait on the hub.)
Import this module first in every service entry point (runner, test conftest).
"""

from __future__ import annotations

import os
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

if "psycopg" in sys.modules and os.environ.get("PSYCOPG_WAIT_FUNC") != "wait_select":
    raise RuntimeError(
        "psycopg was imported before shared.runtime: queries would block the eventlet hub"
    )
os.environ["PSYCOPG_WAIT_FUNC"] = "wait_select"

import eventlet  # noqa: E402

eventlet.monkey_patch()

from time import monotonic  # noqa: E402
from typing import Any  # noqa: E402

import psycopg.waiting  # noqa: E402
from eventlet.green import select as _green_select  # noqa: E402
from eventlet.hubs import trampoline  # noqa: E402


class _WaitedEnough(Exception):
    pass


def wait_green(gen: Any, fileno: int, interval: float | None = 0.0,
               timeout: float | None = None) -> Any:
    """psycopg's wait on the hub itself: one listener per wait, no timer unless a timeout.

    `wait_select` goes through eventlet's green `select`, which builds a dict, closures and
    a timer (psycopg's 0.1 s interval) each time: measured, ~10 us of CPU per round trip
    more than this (a transaction of three round trips, 3000 times: 81-95 vs 111-132 us).
    The interval only served Ctrl-C in a blocking wait; the hub needs none.
    """
    waiting = psycopg.waiting
    deadline = monotonic() + timeout if timeout is not None else None
    ready: Any
    try:
        s = next(gen)
        while True:
            left = None if deadline is None else max(deadline - monotonic(), 0.0)
            try:
                if s == waiting.WAIT_R:
                    trampoline(fileno, read=True, timeout=left, timeout_exc=_WaitedEnough)
                    ready = waiting.READY_R
                elif s == waiting.WAIT_W:
                    trampoline(fileno, write=True, timeout=left, timeout_exc=_WaitedEnough)
                    ready = waiting.READY_W
                else:  # both (a large query's send): rare, green select can wait on both
                    r, w, _ = _green_select.select((fileno,), (fileno,), (), left)
                    ready = (waiting.READY_R if r else waiting.READY_NONE) | (
                        waiting.READY_W if w else waiting.READY_NONE)
            except _WaitedEnough:
                ready = waiting.READY_NONE
            s = gen.send(ready)
            if deadline is not None and monotonic() >= deadline:
                raise psycopg.errors._WaitTimeout("wait timeout expired")
    except OSError as ex:
        raise psycopg.OperationalError("connection socket closed") from ex
    except StopIteration as ex:
        return ex.value


psycopg.waiting.wait = wait_green

PATCHED = True
