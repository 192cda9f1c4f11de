"""The OpenAPI 3.1 document, generated from the endpoint declarations and their schemas.

The schemas that validate requests are the ones documented (apispec's MarshmallowPlugin),
so the document cannot promise a field the gateway refuses or miss one it accepts.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from gateway.endpoints import EndpointSpec
from gateway.problem_types import PROBLEM_MEDIA_TYPE
from gateway.schemas.common import ProblemSchema

TITLE = "Bureau API"
VERSION = "1.0.0"
PROBLEM = PROBLEM_MEDIA_TYPE
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_PATH_FORMATS = {"uuid": {"type": "string", "format": "uuid"}}
STATUS_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    202: "Accepted: the work runs in the background",
    204: "No Content",
    400: "Invalid input; `errors` names each field",
    401: "Missing, invalid or expired access token",
    403: "Your role does not allow this",
    404: "No such object (or it belongs to another tenant)",
    409: "Conflict with the current state, or a duplicate request still in flight",
    412: "If-Match does not match the current ETag",
    413: "Body larger than the limit",
    415: "Body is not of the media type documented (application/json unless said)",
    422: "Refused by the rules, or an Idempotency-Key reused with another body",
    428: "If-Match is required",
    429: "Rate limited; see Retry-After",
    500: "Unexpected failure; quote request_id",
    503: "A service is unavailable; see Retry-After",
}
_HEADER = {"schema": {"type": "string"}}


def build_openapi(app: Flask) -> dict[str, Any]:
    """The document of every declared endpoint of `app`."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[marshmallow],
        info={"description": "Bureau's public REST API. Conventions: /api/docs."},
    )
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    assert marshmallow.converter is not None
    marshmallow.converter.add_parameter_attribute_function(declared_parameter_attributes)
    spec.components.schema("Problem", schema=ProblemSchema)
    operations: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = getattr(app.view_functions.get(rule.endpoint), "endpoint_spec", None)
        if isinstance(declared, EndpointSpec):
            path = _CONVERTER.sub(r"{\2}", rule.rule)
            operations.setdefault(path, {})[declared.method.lower()] = _operation(
                declared, rule
            )
    for path, ops in operations.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


def declared_parameter_attributes(converter: Any, field: Any, *, ret: dict[str, Any],
                                  **kwargs: Any) -> dict[str, Any]:
    """A query field's own parameter attributes from `metadata["parameter"]` (e.g. a
    deepObject filter's `style` and `explode`; its `schema` is merged into the field's)."""
    declared = dict(field.metadata.get("parameter", {}))
    if "schema" in declared:
        ret["schema"] = {**ret.get("schema", {}), **declared.pop("schema")}
    return declared


def _operation(declared: EndpointSpec, rule: Rule) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": declared.operation_id,
        "summary": declared.summary,
        "tags": [declared.tag],
        "security": [{"bearerAuth": []}] if declared.auth else [],
        "parameters": _parameters(declared, rule),
        "responses": _responses(declared, rule),
    }
    if declared.description:
        operation["description"] = declared.description
    if declared.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": declared.body}},
        }
    if declared.raw_body is not None:
        body: dict[str, Any] = {"type": "string"}
        if declared.max_body_bytes is not None:
            body["description"] = f"At most {declared.max_body_bytes} bytes."
        operation["requestBody"] = {"required": True, "content": {declared.raw_body: {
            "schema": body}}}
    return operation


def _parameters(declared: EndpointSpec, rule: Rule) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": _PATH_FORMATS.get(converter, {"type": "string"}),
        }
        for converter, name in _CONVERTER.findall(rule.rule)
    ]
    if declared.query is not None:
        params.append({"in": "query", "schema": declared.query})
    if declared.if_match:
        params.append({
            "in": "header", "name": "If-Match", "required": True,
            "description": 'The ETag of the object you change, e.g. "3"; * for any.',
            "schema": {"type": "string", "pattern": r'^("\d{1,18}"|\*)$'},
        })
    if declared.method == "POST":
        params.append({
            "in": "header", "name": "Idempotency-Key", "required": False,
            "description": "Same key and body within 24 h replays the first response.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                       "pattern": "^[\\x20-\\x7e]+$"},
        })
    return params


def _responses(declared: EndpointSpec, rule: Rule) -> dict[str, Any]:
    success: dict[str, Any] = {"description": STATUS_DESCRIPTIONS[declared.status]}
    headers: dict[str, Any] = {"X-Request-ID": _HEADER}
    if declared.response is not None and declared.status != 204:
        success["content"] = {"application/json": {"schema": declared.response}}
    elif declared.response_media_type != "application/json":
        success["content"] = {declared.response_media_type: {"schema": {"type": "string"}}}
    if declared.etag:
        headers["ETag"] = {"description": 'The version as a strong tag, e.g. "3"', **_HEADER}
    if declared.location:
        headers["Location"] = {"description": "Where the created object lives", **_HEADER}
    if declared.paginated:
        headers["Link"] = {"description": 'rel="next" when there is a next page', **_HEADER}
    success["headers"] = headers
    responses: dict[str, Any] = {str(declared.status): success}
    for status in sorted(_error_statuses(declared, rule)):
        responses[str(status)] = _problem(status)
    return responses


def _error_statuses(declared: EndpointSpec, rule: Rule) -> set[int]:
    statuses = {400, 429, 500, 503, *declared.errors}
    if declared.auth:
        statuses |= {401, 403, 404}
    if rule.arguments:
        statuses.add(404)
    if declared.body is not None or declared.raw_body is not None:
        statuses |= {413, 415}
    if declared.if_match:
        statuses |= {412, 428}
    if declared.method == "POST":
        statuses |= {409, 422}
    return statuses


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": STATUS_DESCRIPTIONS[status],
        "content": {PROBLEM: {"schema": "Problem"}},
    }
    headers: dict[str, Any] = {"X-Request-ID": _HEADER}
    if status in (429, 503):
        headers["Retry-After"] = {"description": "Seconds", **_HEADER}
    if status == 401:
        headers["WWW-Authenticate"] = _HEADER
    response["headers"] = headers
    return response
