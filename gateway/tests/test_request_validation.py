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


def post_raw(client, body: bytes | str):
    return client.post("/api/v1/auth/login", data=body,
                       headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("body", "field"), [
    ('{"email": "a@example.com", "password": "\\ud800secret"}', "password"),
    ('{"email": "a@example.com", "password": "x", "tenant": "\\udfff"}', "tenant"),
    ('{"email": "a\\u0000@example.com", "password": "x"}', "email"),
    ('{"email": {"deep\\ud800": 1}, "password": "x"}', "email.deep\\ud800"),
])
def test_lone_surrogates_and_nuls_are_a_400_naming_the_field_before_any_call(client, identity,
                                                                           body, field):
    response = post_raw(client, body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    assert identity.calls_of("login") == []


@pytest.mark.parametrize("levels", [40, 300, 1_000, 100_000])
def test_a_body_nested_past_the_limit_is_a_400_however_deep(client, identity, levels):
    body = '{"email": ' + "[" * levels + "1" + "]" * levels + ', "password": "x"}'
    response = post_raw(client, body)
    assert response.status_code == 400
    problem = response.get_json()
    assert set(problem["errors"]) <= {"email", "_body"} and problem["errors"]
    assert "levels deep" in next(iter(problem["errors"].values()))[0]
    assert identity.calls_of("login") == []


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999",
                                    "99999999999999999999"])
def test_numbers_no_json_encoder_sends_on_are_a_400_naming_the_field(client, identity, number):
    response = post_raw(client, f'{{"email": "a@example.com", "password": {number}}}')
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["password"]
    assert identity.calls_of("login") == []


def test_a_nul_in_a_query_parameter_is_a_400_naming_it(client, identity, auth):
    identity.answers["list_users"] = lambda _: PAGE
    response = client.get("/api/v1/identity/users?q=a%00b", headers=auth)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["q"]
    assert identity.calls_of("list_users") == []
