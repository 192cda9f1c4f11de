"""Per-entrypoint call counts and durations in Prometheus form, and their rendering.

Every service gets rate, errors (by typed error) and latency for each RPC, event handler,
timer and HTTP route without code of its own. This runs on every call, so the label
children are looked up once per (entrypoint, outcome) and cached.
"""

from __future__ import annotations

import time
from typing import Any

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider, Entrypoint
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

from shared.errors import BureauError

CALLS = Counter(
    "bureau_entrypoint_calls",
    "Entrypoint calls handled, by outcome and typed error.",
    ["service", "entrypoint", "kind", "outcome", "error_type"],
)
DURATION = Histogram(
    "bureau_entrypoint_duration_seconds",
    "Time from worker setup to result, per entrypoint and outcome.",
    ["service", "entrypoint", "kind", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_KINDS: tuple[tuple[type, str], ...] = (
    (Rpc, "rpc"),
    (EventHandler, "event"),
    (HttpRequestHandler, "http"),
    (Timer, "timer"),
)

ChildPair = tuple[Any, Any]


def entrypoint_kind(entrypoint: Entrypoint) -> str:
    """rpc, event, http or timer; another entrypoint type is named by its class."""
    for cls, kind in _KINDS:
        if isinstance(entrypoint, cls):
            return kind
    return type(entrypoint).__name__.lower()


def error_type(exc_info: Any) -> str:
    """The class name of one of our typed errors, "unexpected" for anything else, "" if none."""
    if not exc_info:
        return ""
    exc_class = exc_info[0]
    if isinstance(exc_class, type) and issubclass(exc_class, BureauError):
        return exc_class.__name__
    return "unexpected"


class EntrypointMetrics(DependencyProvider):
    """Counts and times every worker of the container; gives workers nothing to call."""

    def setup(self) -> None:
        self._started: dict[Any, float] = {}
        self._children: dict[tuple[Any, str], ChildPair] = {}

    def get_dependency(self, worker_ctx: Any) -> None:
        return None

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        error = error_type(exc_info)
        key = (worker_ctx.entrypoint, error)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._label_children(worker_ctx.entrypoint, error)
        calls, duration = children
        calls.inc()
        duration.observe(elapsed)

    def worker_teardown(self, worker_ctx: Any) -> None:
        self._started.pop(worker_ctx, None)

    def _label_children(self, entrypoint: Entrypoint, error: str) -> ChildPair:
        labels = (
            self.container.service_name,
            entrypoint.method_name,
            entrypoint_kind(entrypoint),
            "error" if error else "ok",
        )
        return CALLS.labels(*labels, error), DURATION.labels(*labels)


def render_metrics() -> tuple[bytes, str]:
    """The process's metrics in Prometheus text format, with the content type to send."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
