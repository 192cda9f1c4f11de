"""/api/v1/crm/custom-fields: the tenant's custom field definitions (admins manage them)."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match, optional_expected_version
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.crm_custom_fields import (
    CreateCustomFieldBody,
    CustomFieldListQuery,
    CustomFieldPageSchema,
    CustomFieldSchema,
    UpdateCustomFieldBody,
)

bp = Blueprint("crm_custom_fields", __name__, url_prefix="/api/v1/crm/custom-fields")
TAG = "crm"


@endpoint(bp, "", "GET", summary="List custom field definitions", tag=TAG,
          query=CustomFieldListQuery, response=CustomFieldPageSchema, paginated=True)
def list_custom_fields(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_custom_fields", **call.query))


@endpoint(bp, "", "POST", summary="Define a custom field (owners and admins)", tag=TAG,
          body=CreateCustomFieldBody, response=CustomFieldSchema, status=201, location=True,
          etag=True, errors=(409,),
          description="Creating an archived key again with the same type revives it; "
          "with another type is 409.")
def create_custom_field(call: Call) -> Response:
    field = call_crm(call, "create_custom_field", **call.body)
    headers = {"Location": f"{bp.url_prefix}/{field['id']}", "ETag": etag_for(field["version"])}
    return json_response(field, 201, headers)


@endpoint(bp, "/<uuid:custom_field_id>", "GET", summary="One custom field definition",
          tag=TAG, response=CustomFieldSchema, etag=True)
def get_custom_field(call: Call, custom_field_id: UUID) -> Response:
    field = call_crm(call, "get_custom_field", custom_field_id=str(custom_field_id))
    return json_response(field, headers={"ETag": etag_for(field["version"])})


@endpoint(bp, "/<uuid:custom_field_id>", "PATCH", summary="Change a custom field definition",
          tag=TAG, body=UpdateCustomFieldBody, response=CustomFieldSchema, etag=True,
          if_match=True, errors=(422,),
          description="Label, required, options and position; key and type never change.")
def update_custom_field(call: Call, custom_field_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    field = call_crm(call, "update_custom_field", custom_field_id=str(custom_field_id),
                     expected_version=expected, **call.body)
    return json_response(field, headers={"ETag": etag_for(field["version"])})


@endpoint(bp, "/<uuid:custom_field_id>", "DELETE", summary="Archive a custom field", tag=TAG,
          status=204, errors=(412,),
          description="Objects keep their values, no longer shown, checked, filtered or "
          "sorted. Archiving an archived field is a no-op. If-Match is optional.")
def archive_custom_field(call: Call, custom_field_id: UUID) -> Response:
    call_crm(call, "archive_custom_field", custom_field_id=str(custom_field_id),
             expected_version=optional_expected_version())
    return no_content()
