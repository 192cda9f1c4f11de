"""The OpenAPI document covers every endpoint from the validation schemas; docs page, health
and metrics answer. Readiness uses the real broker."""

from __future__ import annotations

import re

import schemathesis
from schemathesis.core.result import Ok

from gateway.endpoints import EndpointSpec
from gateway.routes import health

IDENTITY_OPERATIONS = {
    ("post", "/api/v1/auth/signup"), ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"), ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/switch-tenant"), ("get", "/api/v1/me"),
    ("get", "/api/v1/identity/users"), ("get", "/api/v1/identity/users/{user_id}"),
    ("patch", "/api/v1/identity/users/{user_id}"),
    ("delete", "/api/v1/identity/users/{user_id}"),
    ("post", "/api/v1/identity/invitations"), ("get", "/api/v1/identity/invitations"),
    ("get", "/api/v1/identity/invitations/{invitation_id}"),
    ("delete", "/api/v1/identity/invitations/{invitation_id}"),
    ("post", "/api/v1/identity/invitations/accept"),
    ("get", "/api/v1/identity/tenant"), ("patch", "/api/v1/identity/tenant"),
}


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_openapi_3_1_with_every_endpoint(make_app, client):
    doc = document(client)
    assert doc["openapi"] == "3.1.0"
    operations = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert operations == declared_operations(make_app())
    assert operations >= IDENTITY_OPERATIONS
    assert ("post", "/api/v1/crm/clients") in operations


def declared_operations(app):
    """Every route registered through `endpoint`, as OpenAPI (method, path) pairs."""
    return {
        (spec.method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if isinstance(spec := getattr(app.view_functions[rule.endpoint], "endpoint_spec", None),
                      EndpointSpec)
    }


def test_request_bodies_refuse_unknown_fields_in_the_document(client):
    schemas = document(client)["components"]["schemas"]
    for name in ("SignupBody", "LoginBody", "ChangeRoleBody", "UpdateTenantBody"):
        assert schemas[name]["additionalProperties"] is False


def test_protected_operations_name_the_bearer_scheme_and_401(client):
    doc = document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    me = doc["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "401" in me["responses"]
    assert "application/problem+json" in me["responses"]["401"]["content"]
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []


def test_patch_documents_if_match_and_its_statuses(client):
    patch = document(client)["paths"]["/api/v1/identity/users/{user_id}"]["patch"]
    if_match = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    assert if_match and if_match[0]["required"] is True
    assert {"412", "428"} <= set(patch["responses"])


def test_the_docs_page_is_self_contained(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/api/v1/openapi.json" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_liveness_answers_ok(client):
    assert client.get("/health/live").get_json() == {"status": "ok"}


def test_readiness_is_ok_when_the_broker_answers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"]["broker"] == "ok"


def test_readiness_is_503_when_the_broker_is_unreachable(make_app):
    health._last_broker_check = None
    client = make_app(amqp_uri="amqp://guest:guest@127.0.0.1:1/").test_client()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"]["broker"] == "unreachable"
    health._last_broker_check = None


def test_metrics_count_requests_by_route_template(client, identity, auth):
    identity.answers["get_user"] = lambda kw: {"id": kw["user_id"], "version": 1}
    client.get("/api/v1/identity/users/2b1f4c6e-9a55-4a4e-8d8e-0d7c8a0e5c11", headers=auth)
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'bureau_gateway_requests_total\{method="GET",'
                     r'route="/api/v1/identity/users/<uuid:user_id>",status="200"\} \d', text)


def test_a_schema_driven_client_can_load_every_operation(make_app, client):
    schema = schemathesis.openapi.from_dict(document(client))
    results = list(schema.get_all_operations())
    assert len(results) == len(declared_operations(make_app()))
    assert all(isinstance(result, Ok) for result in results)


def test_the_app_asks_once_per_function_whether_it_is_sync(make_app, monkeypatch):
    """GatewayFlask keeps Flask's ensure_sync answers, and not past its bound."""
    from flask import Flask

    from gateway.app import GatewayFlask

    asked: list[object] = []
    original = Flask.ensure_sync
    monkeypatch.setattr(Flask, "ensure_sync", lambda self, f: asked.append(f) or original(self, f))
    app = make_app()
    assert isinstance(app, GatewayFlask)
    client = app.test_client()
    assert client.get("/health/live").status_code == 200
    first = len(asked)
    assert first > 0
    assert client.get("/health/live").status_code == 200
    assert len(asked) == first  # the second request asked nothing again

    def made_per_request():
        return None

    monkeypatch.setattr(GatewayFlask, "MAX_KEPT", len(app._sync_forms))
    assert app.ensure_sync(made_per_request) is made_per_request
    assert made_per_request not in app._sync_forms
