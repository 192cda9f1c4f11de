"""Prometheus request counts and latencies by route template, method and status.

Under gunicorn every worker is a process: when PROMETHEUS_MULTIPROC_DIR is set (the
gunicorn config sets it) /metrics aggregates all workers with prometheus_client's
multiprocess collector; otherwise it renders this process's registry.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "bureau_gateway_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "bureau_gateway_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED_ROUTE = "<unmatched>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Any other method is counted as OTHER, so clients cannot grow the label set."""


def render_metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def install_http_metrics(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", render_metrics, methods=["GET"])

    @app.before_request
    def start_timer() -> None:
        g.started_at = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]
        rule = req.url_rule
        route = rule.rule if rule else UNMATCHED_ROUTE
        method = req.method if req.method in KNOWN_METHODS else "OTHER"
        counted, timed = _series(route, method, response.status_code)
        counted.inc()
        started = g.get("started_at")
        if started is not None:
            timed.observe(time.perf_counter() - started)
        return response


_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series(route: str, method: str, status: int) -> tuple[Any, Any]:
    """The counter and histogram children of one route, method and status, looked up once:
    `labels()` checks and locks on every call (~5 us a request for the two). The keys are
    bounded: route templates, known methods and statuses."""
    found = _SERIES.get((route, method, status))
    if found is None:
        found = _SERIES[(route, method, status)] = (
            REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method))
    return found
