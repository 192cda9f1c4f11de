"""Acceptance tests of `make up` and of the e2e harness: the whole suite runs and is healthy."""

from __future__ import annotations

import time
import uuid

import requests


def test_every_process_of_the_suite_reports_ready(suite):
    for name in suite.names:
        response = requests.get(f"{suite.service_url(name)}/health/ready", timeout=5)
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text}"


def test_every_process_serves_prometheus_metrics(suite):
    for name in suite.names:
        response = requests.get(f"{suite.service_url(name)}/metrics", timeout=5)
        assert response.status_code == 200, name
        assert "# TYPE" in response.text, name


def test_the_gateway_echoes_the_callers_request_id(suite):
    request_id = f"e2e-{uuid.uuid4()}"
    response = requests.get(
        f"{suite.url}/api/v1/me", headers={"X-Request-ID": request_id}, timeout=10
    )
    assert response.status_code == 401  # no token: the gateway answers without a service
    assert response.headers["X-Request-ID"] == request_id


def test_the_gateway_gives_a_request_id_to_a_request_without_one(suite):
    response = requests.get(f"{suite.url}/health/live", timeout=10)
    assert response.status_code == 200
    assert response.headers.get("X-Request-ID")


def test_the_harness_isolates_the_suite_in_its_own_vhost_and_databases(suite):
    assert suite.amqp_uri.endswith(f"/{suite.vhost}")
    assert suite.vhost == suite.prefix
    assert f"/{suite.prefix}_identity" in suite.db_url("identity")
    assert suite.db_url("identity").startswith(f"postgresql+psycopg://{suite.prefix}_identity_app")


def test_sigterm_stops_a_service_within_the_shutdown_timeout_and_it_restarts(suite):
    service = suite.names[0]
    try:
        started = time.monotonic()
        exit_code = suite.stop(service)
        elapsed = time.monotonic() - started
        assert exit_code == 0, f"exit {exit_code}, see {suite.log_path(service)}"
        assert elapsed < suite.shutdown_timeout
    finally:
        if not suite.is_running(service):
            suite.start(service)
    response = requests.get(f"{suite.service_url(service)}/health/ready", timeout=5)
    assert response.status_code == 200
