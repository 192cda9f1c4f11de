"""/api/v1/me: who the token's bearer is, in which tenant, with which role."""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.responses import json_response
from gateway.routes.service_calls import call_identity
from gateway.schemas.identity import MeSchema

bp = Blueprint("me", __name__, url_prefix="/api/v1")


@endpoint(bp, "/me", "GET", summary="The current user, tenant and role", tag="auth",
          response=MeSchema)
def get_me(call: Call) -> Response:
    return json_response(call_identity(call, "me"))
