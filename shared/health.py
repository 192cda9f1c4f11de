"""Liveness, readiness and metrics HTTP endpoints that any nameko service class inherits.

Readiness checks the broker and every dependency provider that offers `readiness_check()`
(the database), so an orchestrator routes work only to a replica that can do it, and it
turns false as soon as the container starts stopping, so load balancers drain it first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import eventlet
from kombu import Connection
from nameko.extensions import DependencyProvider, Entrypoint
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from shared.metrics import render_metrics

BROKER_TIMEOUT = 2.0
"""Seconds to open a broker connection before the broker counts as unreachable."""
BROKER_SUCCESS_TTL = 1.0
"""Seconds a successful broker check is reused, so frequent probes stay cheap."""
CHECK_TIMEOUT = 2.5
"""Seconds any one readiness check may take before it counts as failed (they run at once)."""

ReadinessReport = dict[str, str]
"""Check name -> "ok" or a short reason it failed."""


class StopSignal(Entrypoint):
    """Never fires. nameko stops entrypoints first, so its `stop()` is the earliest sign
    that the container is shutting down."""

    stopping = False

    def stop(self) -> None:
        self.stopping = True


stop_signal = StopSignal.decorator


class Readiness(DependencyProvider):
    """Hands workers a callable that runs every readiness check of the container."""

    def setup(self) -> None:
        self._broker_ok_until = 0.0

    def get_dependency(self, worker_ctx: Any) -> Callable[[], ReadinessReport]:
        return self.run_checks

    def run_checks(self) -> ReadinessReport:
        report: ReadinessReport = {}
        if self._stopping():
            report["shutdown"] = "stopping"
        checks: dict[str, Callable[[], None]] = {"broker": self._check_broker}
        for provider in sorted(self.container.dependencies, key=lambda p: p.attr_name):
            check = getattr(provider, "readiness_check", None)
            if provider is not self and callable(check):
                checks[provider.attr_name] = check
        pile: eventlet.GreenPile = eventlet.GreenPile(len(checks))
        for check in checks.values():
            pile.spawn(_run_check, check)
        report.update(zip(checks, pile, strict=True))
        return report

    def _stopping(self) -> bool:
        if getattr(self.container, "_being_killed", False):
            return True
        return any(isinstance(e, StopSignal) and e.stopping for e in self.container.entrypoints)

    def _check_broker(self) -> None:
        if time.monotonic() < self._broker_ok_until:
            return
        uri = self.container.config["AMQP_URI"]
        with Connection(uri, connect_timeout=BROKER_TIMEOUT) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
        self._broker_ok_until = time.monotonic() + BROKER_SUCCESS_TTL


def _run_check(check: Callable[[], None]) -> str:
    try:
        with eventlet.Timeout(CHECK_TIMEOUT):
            check()
    except eventlet.Timeout:
        return f"timed out after {CHECK_TIMEOUT:g}s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return "ok"


class HealthEndpoints:
    """Mixin for a nameko service class: /health/live, /health/ready and /metrics."""

    readiness = Readiness()

    @http("GET", "/health/live")
    def health_live(self, request: Any) -> Response:
        return _json_response(200, {"status": "ok"})

    @stop_signal
    @http("GET", "/health/ready")
    def health_ready(self, request: Any) -> Response:
        checks = self.readiness()
        if all(result == "ok" for result in checks.values()):
            return _json_response(200, {"status": "ok", "checks": checks})
        return _json_response(503, {"status": "unavailable", "checks": checks})

    @http("GET", "/metrics")
    def metrics_endpoint(self, request: Any) -> Response:
        body, content_type = render_metrics()
        return Response(body, status=200, content_type=content_type)


def _json_response(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
