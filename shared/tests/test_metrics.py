"""Per-entrypoint metrics: what is counted, how errors are labelled, what it costs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from nameko.containers import ServiceContainer, WorkerContext
from nameko.standalone.rpc import ServiceRpcProxy
from prometheus_client.parser import text_string_to_metric_families

from shared.errors import NotFound
from shared.metrics import EntrypointMetrics, error_type, render_metrics
from shared.testing import wait_until
from shared.tests.sample_service import SampleService


def scraped(name: str, **labels: str) -> float:
    """A sample of the sample service's rpc metrics, read back from the rendered text."""
    wanted = {"service": "sample", "kind": "rpc", **labels}
    body, _ = render_metrics()
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == wanted:
                return sample.value
    return 0.0


def calls(entrypoint: str, outcome: str = "ok", error: str = "") -> float:
    return scraped(
        "bureau_entrypoint_calls_total", entrypoint=entrypoint, outcome=outcome, error_type=error
    )


def counted(entrypoint: str, expected: float, outcome: str = "ok", error: str = "") -> bool:
    """Waits for the count: nameko records results just after sending the reply."""
    return bool(wait_until(lambda: calls(entrypoint, outcome, error) == expected, timeout=5))


@pytest.fixture
def sample_rpc(container_factory: Any, service_config: Any) -> Any:
    config = service_config()  # a free HTTP port: nameko's default 8000 may be taken
    container_factory(SampleService, config).start()
    with ServiceRpcProxy("sample", config) as proxy:
        yield proxy


def test_an_rpc_call_is_counted_under_its_entrypoint_as_ok(sample_rpc):
    before = calls("echo")
    assert sample_rpc.echo("hi") == "hi"
    assert counted("echo", before + 1)


def test_a_typed_error_is_counted_by_its_class_name(sample_rpc):
    import shared.rpc  # noqa: F401  (registers typed errors: the proxy rebuilds NotFound)
    from shared.errors import NotFound

    before = calls("find", "error", "NotFound")
    with pytest.raises(NotFound):
        sample_rpc.find("x")
    assert counted("find", before + 1, "error", "NotFound")


def test_any_other_error_is_counted_as_unexpected(sample_rpc):
    before = calls("crash", "error", "unexpected")
    with pytest.raises(Exception, match="RuntimeError"):
        sample_rpc.crash()
    assert counted("crash", before + 1, "error", "unexpected")


def test_the_call_duration_is_observed_in_the_histogram(sample_rpc):
    def observed() -> float:
        name = "bureau_entrypoint_duration_seconds"
        return scraped(f"{name}_count", entrypoint="sleep", outcome="ok") and scraped(
            f"{name}_sum", entrypoint="sleep", outcome="ok"
        )

    before = observed()
    sample_rpc.sleep(0.05)
    assert wait_until(lambda: observed() >= before + 0.05, timeout=5)


def test_error_type_names_our_errors_and_nothing_else():
    assert error_type(None) == ""
    assert error_type((NotFound, NotFound("x"), None)) == "NotFound"
    assert error_type((KeyError, KeyError("x"), None)) == "unexpected"


def test_recording_one_call_costs_under_twenty_microseconds():
    container = ServiceContainer(SampleService, {"AMQP_URI": "memory://", "serializer": "json"})
    (metrics,) = [d for d in container.dependencies if isinstance(d, EntrypointMetrics)]
    metrics.setup()
    (echo,) = [e for e in container.entrypoints if e.method_name == "echo"]
    workers = [WorkerContext(container, None, echo) for _ in range(20_000)]

    started = time.perf_counter()
    for worker in workers:
        metrics.worker_setup(worker)
        metrics.worker_result(worker, "ok", None)
    per_call = (time.perf_counter() - started) / len(workers)

    print(f"metrics overhead per call: {per_call * 1e6:.1f} us")
    assert per_call < 20e-6
