"""/api/v1/identity/users: the members of the caller's tenant."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_identity, call_page
from gateway.schemas.identity import ChangeRoleBody, UserListQuery, UserPageSchema, UserSchema

bp = Blueprint("users", __name__, url_prefix="/api/v1/identity/users")
TAG = "identity"


@endpoint(bp, "", "GET", summary="List the members of your tenant", tag=TAG,
          query=UserListQuery, response=UserPageSchema, paginated=True)
def list_users(call: Call) -> Response:
    return page_response(call_page(call, "identity", "list_users", **call.query))


@endpoint(bp, "/<uuid:user_id>", "GET", summary="One member", tag=TAG,
          response=UserSchema, etag=True)
def get_user(call: Call, user_id: UUID) -> Response:
    user = call_identity(call, "get_user", user_id=str(user_id))
    return json_response(user, headers={"ETag": etag_for(user["version"])})


@endpoint(bp, "/<uuid:user_id>", "PATCH", summary="Change a member's role", tag=TAG,
          body=ChangeRoleBody, response=UserSchema, etag=True, if_match=True,
          errors=(409, 422))
def change_role(call: Call, user_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    user = call_identity(
        call, "change_role", user_id=str(user_id), expected_version=expected, **call.body
    )
    return json_response(user, headers={"ETag": etag_for(user["version"])})


@endpoint(bp, "/<uuid:user_id>", "DELETE", summary="Remove a member from your tenant",
          tag=TAG, status=204, errors=(422,))
def remove_member(call: Call, user_id: UUID) -> Response:
    call_identity(call, "remove_member", user_id=str(user_id))
    return no_content()

