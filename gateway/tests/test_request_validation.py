"""Bodies and query strings go through marshmallow: unknown names and bad values are 400s
that name the field. The RPC stand-in proves nothing reaches the service on a refusal."""

from __future__ import annotations

import pytest

from gateway.request_input import flatten_messages

PAGE = {"data": [], "page": {"limit": 25, "has_more": False, "next_cursor": None}}


def test_nested_messages_flatten_to_dotted_field_names():
    assert flatten_messages({"a": ["x"], "b": {"c": ["y"]}, "_schema": ["z"]}) == {
        "a": ["x"], "b.c": ["y"], "_schema": ["z"]}


def test_an_unknown_body_field_is_refused_and_named(client, identity):
    response = client.post("/api/v1/auth/login", json={
        "email": "a@example.com", "password": "secret-pass", "tenant_id": "x"})
    assert response.status_code == 400
    assert "tenant_id" in response.get_json()["errors"]
    assert identity.calls_of("login") == []


def test_invalid_fields_are_each_reported(client):
    response = client.post("/api/v1/auth/signup", json={
        "tenant_name": "", "email": "not-an-email", "password": "short"})
    errors = response.get_json()["errors"]
    assert response.status_code == 400
    assert {"tenant_name", "email", "password", "name"} <= set(errors)


def test_a_json_array_body_is_refused(client):
    response = client.post("/api/v1/auth/login", json=[1, 2])
    assert response.status_code == 400


def test_an_unknown_query_parameter_is_refused(client, identity, auth):
    identity.answers["list_users"] = lambda _: PAGE
    response = client.get("/api/v1/identity/users?limt=5", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"limt": ["Unknown parameter."]}
    assert identity.calls_of("list_users") == []


def test_a_query_parameter_on_an_endpoint_without_any_is_refused(client, identity, auth):
    identity.answers["me"] = lambda _: {}
    response = client.get("/api/v1/me?debug=1", headers=auth)
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "sort=password",
                                   "role=god", "limit=5&limit=6", "include_total=maybe"])
def test_out_of_range_or_malformed_list_parameters_are_refused(client, identity, auth, query):
    identity.answers["list_users"] = lambda _: PAGE
    response = client.get(f"/api/v1/identity/users?{query}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_list_parameters_reach_the_service_typed_and_defaulted(client, identity, auth):
    identity.answers["list_users"] = lambda _: PAGE
    response = client.get("/api/v1/identity/users?limit=5&include_total=true&q=ann",
                          headers=auth)
    assert response.status_code == 200
    assert identity.calls_of("list_users") == [
        {"limit": 5, "include_total": True, "q": "ann", "sort": "created_at"}]


def test_a_non_uuid_id_is_404_without_calling_the_service(client, identity, auth):
    response = client.get("/api/v1/identity/users/not-a-uuid", headers=auth)
    assert response.status_code == 404
    assert identity.calls_of("get_user") == []
