"""/api/v1/auth: sign up, log in, refresh, log out and switch tenant (tokens from identity)."""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.responses import json_response, no_content
from gateway.routes.service_calls import call_identity
from gateway.schemas.auth import (
    LoginBody,
    RefreshBody,
    SignupBody,
    SwitchTenantBody,
    TokenPairSchema,
)

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")
TAG = "auth"


@endpoint(
    bp, "/signup", "POST", summary="Create a firm (tenant) with you as its owner",
    tag=TAG, auth=False, body=SignupBody, response=TokenPairSchema, status=201,
    location=True, errors=(409,),
)
def signup(call: Call) -> Response:
    pair = call_identity(call, "signup", client_ip=call.caller.client_ip, **call.body)
    return json_response(pair, 201, {"Location": "/api/v1/identity/tenant"})


@endpoint(
    bp, "/login", "POST", summary="Exchange email and password for a token pair",
    tag=TAG, auth=False, body=LoginBody, response=TokenPairSchema, errors=(401,),
)
def login(call: Call) -> Response:
    pair = call_identity(call, "login", client_ip=call.caller.client_ip, **call.body)
    return json_response(pair)


@endpoint(
    bp, "/refresh", "POST", summary="Rotate a refresh token into a new pair",
    tag=TAG, auth=False, body=RefreshBody, response=TokenPairSchema, errors=(401,),
)
def refresh(call: Call) -> Response:
    return json_response(call_identity(call, "refresh", **call.body))


@endpoint(
    bp, "/logout", "POST", summary="Revoke the session of this access token",
    tag=TAG, status=204,
)
def logout(call: Call) -> Response:
    assert call.caller.claims is not None  # auth=True
    call_identity(call, "logout", session_id=call.caller.claims.session_id)
    return no_content()


@endpoint(
    bp, "/switch-tenant", "POST", summary="Get a token pair for another tenant of yours",
    tag=TAG, body=SwitchTenantBody, response=TokenPairSchema,
)
def switch_tenant(call: Call) -> Response:
    assert call.caller.claims is not None  # auth=True
    pair = call_identity(
        call, "switch_tenant", session_id=call.caller.claims.session_id, **call.body
    )
    return json_response(pair)
