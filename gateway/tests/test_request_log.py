"""Every request, answered or failed, writes one JSON log line with its ids and outcome."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.logging_setup import JsonFormatter


@pytest.fixture
def request_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The gateway's request log as the process writes it (shared.logging_setup's JSON),
    formatted while the request runs, as production does: returns the lines parsed."""
    logger = logging.getLogger("gateway.requests")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("gateway"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_request_writes_one_line_with_its_request_id_tenant_and_outcome(
    client, identity, auth, request_lines
):
    identity.answers["me"] = lambda _: {"ok": True}
    response = client.get("/api/v1/me", headers={**auth, "X-Request-ID": "req-log-1"})
    assert response.status_code == 200
    (line,) = request_lines()
    assert line["request_id"] == response.headers["X-Request-ID"] == "req-log-1"
    assert (line["tenant_id"], line["user_id"]) == ("tenant-1", "user-1")
    assert (line["method"], line["path"], line["route"]) == ("GET", "/api/v1/me", "/api/v1/me")
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert (line["logger"], line["message"], line["process"]) == (
        "gateway.requests", "request", "gateway"
    )


def test_a_refused_request_is_logged_with_its_status_and_no_tenant(client, request_lines):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "req-log-2"})
    assert response.status_code == 401
    (line,) = request_lines()
    assert (line["request_id"], line["status"], line["path"]) == ("req-log-2", 401, "/api/v1/me")
    assert "tenant_id" not in line


def test_a_missing_route_and_a_failed_request_are_logged_too(
    client, identity, auth, request_lines
):
    def fail(_: dict) -> None:
        raise KeyError("a bug")

    identity.answers["me"] = fail
    response = client.post("/api/v1/nowhere", headers={"X-Request-ID": "req-log-3"})
    assert response.status_code == 404
    response = client.get("/api/v1/me", headers={**auth, "X-Request-ID": "req-log-4"})
    assert response.status_code == 500
    missing, failed = request_lines()
    assert (missing["request_id"], missing["method"], missing["status"], missing["route"]) == (
        "req-log-3", "POST", 404, None
    )
    assert (failed["request_id"], failed["status"], failed["tenant_id"]) == (
        "req-log-4", 500, "tenant-1"
    )
    assert failed["duration_ms"] >= 0
