"""Conventions every client relies on: problem+json for every error, request ids, documents,
health and metrics, as the running gateway (gunicorn) serves them."""

from __future__ import annotations

import uuid

import requests

from tests.e2e.helpers import assert_problem


def test_an_unknown_path_is_a_problem_404(api):
    assert_problem(api.get("/api/v1/no-such-thing"), 404)


def test_an_unsupported_method_is_a_problem_405(api):
    response = api.request("PUT", "/api/v1/auth/login", json={})
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_a_body_over_one_mebibyte_is_a_problem_413(api):
    body = b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = api.post("/api/v1/auth/login", data=body,
                        headers={"Content-Type": "application/json"})
    assert_problem(response, 413)


def test_a_non_json_body_is_a_problem_415(api):
    response = api.post("/api/v1/auth/login", data="email=x",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415)


def test_malformed_json_is_a_problem_400(api):
    response = api.post("/api/v1/auth/login", data="{",
                        headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_the_client_request_id_is_echoed_and_otherwise_generated(api):
    mine = f"client-{uuid.uuid4()}"
    assert api.get("/health/live", headers={"X-Request-ID": mine}).headers["X-Request-ID"] == mine
    problem = assert_problem(api.get("/api/v1/nope", headers={"X-Request-ID": mine}), 404)
    assert problem["request_id"] == mine
    generated = api.get("/health/live").headers["X-Request-ID"]
    assert generated and generated != mine


def test_the_openapi_document_and_its_docs_page_are_served(api):
    document = api.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


def test_readiness_and_metrics_answer(api):
    assert api.get("/health/ready").status_code == 200
    api.get("/health/live")
    metrics = api.get("/metrics")
    assert metrics.status_code == 200
    assert 'bureau_gateway_requests_total{method="GET",route="/health/live"' in metrics.text


def test_a_protected_list_without_a_token_is_a_problem_401(api):
    """A protected call without a token never reaches a service and still answers cleanly."""
    response = requests.get(f"{api.base_url}/api/v1/identity/users", timeout=10)
    assert_problem(response, 401)


def test_a_request_line_past_gunicorns_limit_is_a_problem_414(api):
    response = api.get("/api/v1/crm/contacts", params={"q": "x" * 9000})
    body = assert_problem(response, 414)
    assert "8190" in body["detail"] and "xxxx" not in response.text


def test_headers_past_gunicorns_limits_are_a_problem_431(api):
    headers = {f"X-Filler-{i}": "y" for i in range(120)}  # gunicorn allows 100 fields
    assert_problem(api.get("/api/v1/crm/contacts", headers=headers), 431)
