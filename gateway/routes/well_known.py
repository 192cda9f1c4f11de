"""/.well-known: the signing keys and the discovery document, for anyone verifying our tokens."""

from __future__ import annotations

from flask import Blueprint, Response, g

from gateway.components import components
from gateway.responses import json_response
from shared.call_context import CallContext

bp = Blueprint("well_known", __name__, url_prefix="/.well-known")
CACHE_SECONDS = 300


@bp.get("/jwks.json")
def jwks() -> Response:
    context = CallContext(request_id=g.request_id, traceparent=g.traceparent)
    keys = components().rpc.call("identity", "jwks", {}, context=context)
    response = json_response(keys)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@bp.get("/openid-configuration")
def openid_configuration() -> Response:
    issuer = components().settings.jwt_issuer.rstrip("/")
    response = json_response({
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "token_endpoint": f"{issuer}/api/v1/auth/login",
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "grant_types_supported": ["password", "refresh_token"],
    })
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
