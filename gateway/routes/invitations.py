"""/api/v1/identity/invitations: inviting people into the tenant, and accepting."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_identity, call_page
from gateway.schemas.auth import TokenPairSchema
from gateway.schemas.identity import (
    AcceptInvitationBody,
    CreateInvitationBody,
    InvitationListQuery,
    InvitationPageSchema,
    InvitationSchema,
)

bp = Blueprint("invitations", __name__, url_prefix="/api/v1/identity/invitations")
TAG = "identity"


@endpoint(bp, "", "POST", summary="Invite someone (owner/admin)", tag=TAG,
          body=CreateInvitationBody, response=InvitationSchema, status=201, location=True,
          etag=True, errors=(409,))
def create_invitation(call: Call) -> Response:
    invitation = call_identity(call, "create_invitation", **call.body)
    headers = {
        "Location": f"{bp.url_prefix}/{invitation['id']}",
        "ETag": etag_for(invitation["version"]),
    }
    return json_response(invitation, 201, headers)


@endpoint(bp, "", "GET", summary="List invitations (owner/admin)", tag=TAG,
          query=InvitationListQuery, response=InvitationPageSchema, paginated=True)
def list_invitations(call: Call) -> Response:
    return page_response(call_page(call, "identity", "list_invitations", **call.query))


@endpoint(bp, "/<uuid:invitation_id>", "GET", summary="One invitation (owner/admin)",
          tag=TAG, response=InvitationSchema, etag=True)
def get_invitation(call: Call, invitation_id: UUID) -> Response:
    invitation = call_identity(call, "get_invitation", invitation_id=str(invitation_id))
    return json_response(invitation, headers={"ETag": etag_for(invitation["version"])})


@endpoint(bp, "/<uuid:invitation_id>", "DELETE", summary="Revoke an invitation", tag=TAG,
          status=204)
def revoke_invitation(call: Call, invitation_id: UUID) -> Response:
    call_identity(call, "revoke_invitation", invitation_id=str(invitation_id))
    return no_content()


@endpoint(bp, "/accept", "POST", summary="Accept an invitation with its token (public)",
          tag=TAG, auth=False, body=AcceptInvitationBody, response=TokenPairSchema,
          errors=(401, 404, 409, 422))
def accept_invitation(call: Call) -> Response:
    pair = call_identity(
        call, "accept_invitation", client_ip=call.caller.client_ip, **call.body
    )
    return json_response(pair)
