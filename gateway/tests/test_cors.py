"""CORS: allow-listed origins get the headers (and their preflights answered), others none."""

from __future__ import annotations

import pytest

ORIGIN = "https://app.example.com"


@pytest.fixture
def cors_client(make_app):
    return make_app(cors_origins=(ORIGIN,)).test_client()


def test_a_preflight_from_an_allowed_origin_is_answered(cors_client):
    response = cors_client.options("/api/v1/identity/users", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Authorization, If-Match"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert "If-Match" in response.headers["Access-Control-Allow-Headers"]


def test_responses_to_an_allowed_origin_expose_our_headers(cors_client):
    response = cors_client.get("/health/live", headers={"Origin": ORIGIN})
    exposed = response.headers["Access-Control-Expose-Headers"]
    for header in ("ETag", "Link", "X-Request-ID", "Location", "Retry-After"):
        assert header in exposed
    assert "Origin" in response.headers["Vary"]


def test_an_origin_off_the_list_gets_no_cors_headers(cors_client):
    response = cors_client.options("/api/v1/me", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in response.headers
    get = cors_client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in get.headers
