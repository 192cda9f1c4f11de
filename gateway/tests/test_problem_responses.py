"""Every error path answers application/problem+json with a request id and no internals."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RemoteError,
    ServiceUnavailable,
    TooManyRequests,
    Unprocessable,
    ValidationFailed,
)

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "request_id"}


def assert_problem(response: Any, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_path_is_a_problem_404(client):
    body = assert_problem(client.get("/api/v1/nowhere"), 404)
    assert body["instance"] == "/api/v1/nowhere"


def test_wrong_method_is_a_problem_405_with_allow(client):
    response = client.put("/api/v1/me")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_body_over_the_limit_is_a_problem_413(make_app):
    client = make_app(max_body_bytes=1024).test_client()
    response = client.post("/api/v1/auth/login", data=b"{" + b" " * 4096 + b"}",
                           content_type="application/json")
    assert_problem(response, 413)


def test_non_json_body_is_a_problem_415(client):
    response = client.post("/api/v1/auth/login", data="email=a", content_type="text/plain")
    assert_problem(response, 415)


def test_malformed_json_is_a_problem_400(client):
    response = client.post("/api/v1/auth/login", data="{nope",
                           content_type="application/json")
    body = assert_problem(response, 400)
    assert "_body" in body["errors"]


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/v1/me")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("error,status", [
    (ValidationFailed("bad", {"email": ["Not an email."]}), 400),
    (PermissionDenied("no"), 403),
    (NotFound("gone"), 404),
    (Conflict("taken"), 409),
    (PreconditionFailed("stale"), 412),
    (Unprocessable("last owner"), 422),
])
def test_typed_service_errors_map_to_their_status(client, identity, auth, error, status):
    """The RPC stand-in raises the typed error; the mapping under test is the gateway's."""
    def fail(_: dict) -> None:
        raise error

    identity.answers["me"] = fail
    body = assert_problem(client.get("/api/v1/me", headers=auth), status)
    assert body["detail"] == error.detail
    if status == 400:
        assert body["errors"] == {"email": ["Not an email."]}


def test_throttled_service_call_is_429_with_its_retry_after(client, identity, auth):
    def fail(_: dict) -> None:
        raise TooManyRequests("slow down", 17)

    identity.answers["me"] = fail
    response = client.get("/api/v1/me", headers=auth)
    assert_problem(response, 429)
    assert response.headers["Retry-After"] == "17"


def test_unavailable_service_is_503_with_retry_after(client, identity, auth):
    def fail(_: dict) -> None:
        raise ServiceUnavailable("broker at 10.0.0.7 refused")

    identity.answers["me"] = fail
    response = client.get("/api/v1/me", headers=auth)
    body = assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0
    assert "10.0.0.7" not in body["detail"]


@pytest.mark.parametrize("error", [
    RemoteError("psycopg.errors.UndefinedTable: relation users"),
    KeyError("SELECT secret FROM users"),
])
def test_unexpected_failures_are_500_without_internals(client, identity, auth, error):
    def fail(_: dict) -> None:
        raise error

    identity.answers["me"] = fail
    response = client.get("/api/v1/me", headers=auth)
    assert_problem(response, 500)
    assert b"SELECT" not in response.data and b"psycopg" not in response.data
