"""The one place a service process prepares its runtime, before anything imports psycopg.

eventlet must patch the standard library first; psycopg 3 must then wait for its socket
with `select` (which eventlet has made cooperative), or every query blocks the whole hub:
measured here, four concurrent `pg_sleep(1)` took 4 s without this and 1 s with it.
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

PATCHED = True
