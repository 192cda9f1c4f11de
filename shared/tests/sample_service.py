"""A tiny service with the platform's health, metrics and a switchable stand-in database.

The runner and health tests start it for real; `FlakyDependency` plays the database whose
`readiness_check()` fails on demand (file-backed, so a test can flip it in a subprocess).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from shared.call_context_provider import CallContextProvider
from shared.errors import NotFound
from shared.health import HealthEndpoints
from shared.metrics import EntrypointMetrics

log = logging.getLogger(__name__)


class FlakyDependency(DependencyProvider):
    """Ready unless `broken` is set (or the file named by SAMPLE_BROKEN_FLAG exists);
    `hangs` makes its check never answer, like a database behind a dropped network."""

    broken = False
    hangs = False

    def get_dependency(self, worker_ctx: Any) -> None:
        return None

    def readiness_check(self) -> None:
        if self.hangs:
            time.sleep(60)
        flag = os.environ.get("SAMPLE_BROKEN_FLAG")
        if self.broken or (flag and os.path.exists(flag)):
            raise ConnectionError("database unreachable")


class SampleService(HealthEndpoints):
    name = "sample"

    ctx = CallContextProvider()
    database = FlakyDependency()
    metrics = EntrypointMetrics()

    @rpc
    def echo(self, value: Any) -> Any:
        return value

    @rpc
    def sleep(self, seconds: float) -> float:
        log.info("sleeping", extra={"seconds": seconds})
        time.sleep(seconds)
        return seconds

    @rpc
    def find(self, key: str) -> None:
        raise NotFound(f"no {key}")

    @rpc
    def crash(self) -> None:
        raise RuntimeError("bug")
