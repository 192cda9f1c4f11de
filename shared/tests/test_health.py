"""The health and metrics endpoints every service inherits, on a real broker."""

from __future__ import annotations

import time
from typing import Any

import eventlet
import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy

from shared.health import CHECK_TIMEOUT, HealthEndpoints, Readiness
from shared.testing import free_port, wait_until
from shared.tests.notes_service import NotesService
from shared.tests.sample_service import FlakyDependency, SampleService


@pytest.fixture
def config(rabbit_config: dict[str, Any], web_config: dict[str, Any]) -> dict[str, Any]:
    return {**rabbit_config, **web_config, "serializer": "json", "max_workers": 4}


@pytest.fixture
def sample(container_factory: Any, config: dict[str, Any]) -> Any:
    container = container_factory(SampleService, config)
    container.start()
    return container


class WebClient:
    """GETs from the container's HTTP port (nameko's web_session needs werkzeug < 3)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, timeout=10)


@pytest.fixture
def web_session(web_config_port: int) -> WebClient:
    return WebClient(web_config_port)


def provider(container: Any, cls: type) -> Any:
    (found,) = [d for d in container.dependencies if isinstance(d, cls)]
    return found


def test_nameko_finds_the_endpoints_and_readiness_declared_on_the_mixin(sample):
    methods = {entrypoint.method_name for entrypoint in sample.entrypoints}
    assert {"health_live", "health_ready", "metrics_endpoint"} <= methods
    assert isinstance(provider(sample, Readiness), Readiness)


def test_live_answers_ok_while_the_process_runs(sample, web_session):
    response = web_session.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_ok_when_the_broker_and_every_checked_dependency_are_reachable(
    sample, web_session
):
    response = web_session.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"broker": "ok", "database": "ok"}}


def test_ready_answers_503_naming_the_dependency_that_fails_its_check(sample, web_session):
    assert web_session.get("/health/ready").status_code == 200
    provider(sample, FlakyDependency).broken = True

    response = web_session.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "broker": "ok",
        "database": "ConnectionError: database unreachable",
    }


def test_a_check_that_hangs_counts_as_failed_once_its_time_is_up(sample, web_session):
    provider(sample, FlakyDependency).hangs = True

    started = time.monotonic()
    response = web_session.get("/health/ready")

    assert time.monotonic() - started < CHECK_TIMEOUT + 1
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == f"timed out after {CHECK_TIMEOUT:g}s"


class NotesWithHealth(NotesService, HealthEndpoints):
    """A service with the real `shared.db_provider.Database`, as every Bureau service has."""


def test_the_real_database_provider_is_found_and_checked(
    container_factory, service_config, notes_db, web_config_port
):
    config = service_config(notes_db, WEB_SERVER_ADDRESS=f"127.0.0.1:{web_config_port}")
    container_factory(NotesWithHealth, config).start()

    response = WebClient(web_config_port).get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"]["db"] == "ok"


class HttpOnlyService(HealthEndpoints):
    name = "http_only"


def test_ready_answers_503_when_the_broker_is_unreachable(
    container_factory, web_config, web_session
):
    unreachable = {**web_config, "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{free_port()}/"}
    container_factory(HttpOnlyService, unreachable).start()

    response = web_session.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] != "ok"
    assert web_session.get("/health/live").status_code == 200


def test_ready_answers_503_while_the_container_finishes_in_flight_work(
    sample, config, web_session
):
    with ServiceRpcProxy("sample", config) as sample_rpc:
        reply = sample_rpc.sleep.call_async(1)
        wait_until(lambda: sample._worker_threads, timeout=5)
        stopper = eventlet.spawn(sample.stop)

        draining = wait_until(
            lambda: (r := web_session.get("/health/ready")).status_code == 503 and r.json(),
            timeout=5,
        )

        assert draining["checks"]["shutdown"] == "stopping"
        assert reply.result() == 1
    stopper.wait()


def test_metrics_endpoint_renders_prometheus_text(sample, web_session):
    response = web_session.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE bureau_entrypoint_calls_total counter" in response.text
