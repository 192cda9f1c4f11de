"""/api/v1/identity/tenant: the tenant the access token names."""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match
from gateway.responses import json_response
from gateway.routes.service_calls import call_identity
from gateway.schemas.identity import TenantSchema, UpdateTenantBody

bp = Blueprint("tenant", __name__, url_prefix="/api/v1/identity/tenant")
TAG = "identity"


@endpoint(bp, "", "GET", summary="Your current tenant", tag=TAG, response=TenantSchema,
          etag=True)
def get_tenant(call: Call) -> Response:
    tenant = call_identity(call, "get_tenant")
    return json_response(tenant, headers={"ETag": etag_for(tenant["version"])})


@endpoint(bp, "", "PATCH", summary="Rename your tenant (owner/admin)", tag=TAG,
          body=UpdateTenantBody, response=TenantSchema, etag=True, if_match=True)
def update_tenant(call: Call) -> Response:
    expected = expected_version_from_if_match()
    tenant = call_identity(call, "update_tenant", expected_version=expected, **call.body)
    return json_response(tenant, headers={"ETag": etag_for(tenant["version"])})
