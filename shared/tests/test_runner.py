"""The service process runner: config from settings, and a shutdown that is graceful but bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy

from shared.runner import EXIT_KILLED, build_config, load_service_class
from shared.testing import free_port, wait_until
from shared.tests.sample_service import SampleService

REPO = Path(__file__).resolve().parents[2]


def test_build_config_takes_broker_port_workers_and_name_from_settings(monkeypatch):
    monkeypatch.setenv("BUREAU_AMQP_URI", "amqp://u:p@broker:5672/bureau")
    monkeypatch.setenv("BUREAU_HTTP_PORT", "9123")
    monkeypatch.setenv("BUREAU_MAX_WORKERS", "7")

    assert build_config(SampleService) == {
        "AMQP_URI": "amqp://u:p@broker:5672/bureau",
        "WEB_SERVER_ADDRESS": "0.0.0.0:9123",
        "max_workers": 7,
        "serializer": "json",
        "SERVICE_NAME": "sample",
    }


def test_a_service_class_is_named_by_module_and_class_or_found_in_its_module():
    assert load_service_class("shared.tests.sample_service:SampleService") is SampleService
    assert load_service_class("shared.tests.sample_service:") is SampleService


class RunningService:
    """`python -m shared.runner` in a subprocess on the test's own vhost and a free port."""

    def __init__(self, amqp_uri: str, log_path: Path, shutdown_timeout: float) -> None:
        self.port = free_port()
        self.log_path = log_path
        env = {
            **os.environ,
            "BUREAU_AMQP_URI": amqp_uri,
            "BUREAU_HTTP_PORT": str(self.port),
            "BUREAU_SHUTDOWN_TIMEOUT": str(shutdown_timeout),
        }
        self.log_file = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shared.runner", "shared.tests.sample_service:SampleService"],
            cwd=REPO,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()
        try:
            url = f"http://127.0.0.1:{self.port}/health/ready"
            return requests.get(url, timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def logged(self, message: str) -> bool:
        return any(line["message"].startswith(message) for line in self.logs())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


@pytest.fixture
def start_service(rabbit_config: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    started: list[RunningService] = []

    def start(shutdown_timeout: float = 10) -> RunningService:
        service = RunningService(rabbit_config["AMQP_URI"], tmp_path / "out.log", shutdown_timeout)
        started.append(service)
        wait_until(service.ready, timeout=20)
        return service

    yield start
    for service in started:
        service.stop()


def test_sigterm_lets_the_call_in_flight_finish_and_exits_zero_logging_as_json(
    start_service, rabbit_config
):
    service = start_service(shutdown_timeout=10)
    caller = {"request_id": "req-42", "tenant_id": "t-7"}
    with ServiceRpcProxy("sample", rabbit_config, context_data=caller) as sample_rpc:
        reply = sample_rpc.sleep.call_async(1)
        wait_until(lambda: service.logged("sleeping"), timeout=10)
        (sleeping,) = [line for line in service.logs() if line["message"] == "sleeping"]
        assert (sleeping["request_id"], sleeping["tenant_id"]) == ("req-42", "t-7")
        assert (sleeping["process"], sleeping["seconds"]) == ("sample", 1)

        service.process.send_signal(signal.SIGTERM)

        assert reply.result() == 1
    assert service.process.wait(timeout=10) == 0
    assert service.logged("received SIGTERM: stopping gracefully")
    assert service.logged("stopped gracefully")


def test_work_outliving_the_shutdown_bound_is_killed_and_the_exit_is_non_zero(
    start_service, rabbit_config
):
    service = start_service(shutdown_timeout=2)
    with ServiceRpcProxy("sample", rabbit_config) as sample_rpc:
        sample_rpc.sleep.call_async(60)
        wait_until(lambda: service.logged("sleeping"), timeout=10)

        signalled = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        exit_code = service.process.wait(timeout=2 + 5)
        took = time.monotonic() - signalled

    assert exit_code == EXIT_KILLED
    assert 2 <= took < 2 + 3
    assert service.logged("the 2s shutdown bound passed with 1 worker(s) in flight: killing")


def test_a_second_signal_while_stopping_kills_at_once(start_service, rabbit_config):
    service = start_service(shutdown_timeout=30)
    with ServiceRpcProxy("sample", rabbit_config) as sample_rpc:
        sample_rpc.sleep.call_async(60)
        wait_until(lambda: service.logged("sleeping"), timeout=10)
        service.process.send_signal(signal.SIGTERM)
        wait_until(lambda: service.logged("received SIGTERM"), timeout=5)

        service.process.send_signal(signal.SIGINT)

        assert service.process.wait(timeout=5) == EXIT_KILLED
    assert service.logged("received SIGINT again while stopping: killing")
