"""/api/v1/crm/clients: the firm's clients, and the contacts linked to each."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match, optional_expected_version
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.common import ListQuerySchema
from gateway.schemas.crm_clients import (
    ClientListQuery,
    ClientPageSchema,
    ClientSchema,
    CreateClientBody,
    LinkContactBody,
    LinkPageSchema,
    LinkSchema,
    UpdateClientBody,
    UpdateLinkBody,
)

bp = Blueprint("crm_clients", __name__, url_prefix="/api/v1/crm/clients")
TAG = "crm"


def with_etag(obj: dict, status: int = 200) -> Response:
    return json_response(obj, status, {"ETag": etag_for(obj["version"])})


@endpoint(bp, "", "GET", summary="List clients", tag=TAG, query=ClientListQuery,
          response=ClientPageSchema, paginated=True)
def list_clients(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_clients", **call.query))


@endpoint(bp, "", "POST", summary="Create a client", tag=TAG, body=CreateClientBody,
          response=ClientSchema, status=201, location=True, etag=True, errors=(409,))
def create_client(call: Call) -> Response:
    client = call_crm(call, "create_client", **call.body)
    headers = {"Location": f"{bp.url_prefix}/{client['id']}", "ETag": etag_for(client["version"])}
    return json_response(client, 201, headers)


@endpoint(bp, "/<uuid:client_id>", "GET", summary="One client", tag=TAG,
          response=ClientSchema, etag=True)
def get_client(call: Call, client_id: UUID) -> Response:
    return with_etag(call_crm(call, "get_client", client_id=str(client_id)))


@endpoint(bp, "/<uuid:client_id>", "PATCH", summary="Change a client", tag=TAG,
          body=UpdateClientBody, response=ClientSchema, etag=True, if_match=True,
          errors=(409, 422),
          description="Only the fields sent change. 409 when renamed to another client's "
                      "name (unless confirm_duplicate_name); 422 for the status of an "
                      "archived client (restore it).")
def update_client(call: Call, client_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    return with_etag(call_crm(call, "update_client", client_id=str(client_id),
                              expected_version=expected, **call.body))


@endpoint(bp, "/<uuid:client_id>", "DELETE", summary="Delete a client (admins)", tag=TAG,
          status=204, errors=(409, 412),
          description="Refused (409) while the client has deals: archive it instead. Its "
                      "contacts stay; their links to it go. If-Match is optional.")
def delete_client(call: Call, client_id: UUID) -> Response:
    call_crm(call, "delete_client", client_id=str(client_id),
             expected_version=optional_expected_version())
    return no_content()


@endpoint(bp, "/<uuid:client_id>/archive", "POST", summary="Archive a client", tag=TAG,
          response=ClientSchema, etag=True, errors=(412,),
          description="Status becomes archived; restore brings back the one before. "
                      "Archiving an archived client changes nothing. If-Match is optional.")
def archive_client(call: Call, client_id: UUID) -> Response:
    return with_etag(call_crm(call, "archive_client", client_id=str(client_id),
                              expected_version=optional_expected_version()))


@endpoint(bp, "/<uuid:client_id>/restore", "POST", summary="Restore an archived client",
          tag=TAG, response=ClientSchema, etag=True, errors=(412,))
def restore_client(call: Call, client_id: UUID) -> Response:
    return with_etag(call_crm(call, "restore_client", client_id=str(client_id),
                              expected_version=optional_expected_version()))


@endpoint(bp, "/<uuid:client_id>/contacts", "GET", summary="The client's contacts", tag=TAG,
          query=ListQuerySchema, response=LinkPageSchema, paginated=True)
def list_client_contacts(call: Call, client_id: UUID) -> Response:
    return page_response(call_page(call, "crm", "list_client_contacts", client_id=str(client_id),
                                  **call.query))


@endpoint(bp, "/<uuid:client_id>/contacts", "POST", summary="Link a contact to the client",
          tag=TAG, body=LinkContactBody, response=LinkSchema, status=201, location=True,
          errors=(409,))
def link_contact(call: Call, client_id: UUID) -> Response:
    link = call_crm(call, "link_contact", client_id=str(client_id), **call.body)
    location = f"{bp.url_prefix}/{client_id}/contacts/{link['contact_id']}"
    return json_response(link, 201, {"Location": location})


@endpoint(bp, "/<uuid:client_id>/contacts/<uuid:contact_id>", "GET",
          summary="One link between the client and a contact", tag=TAG, response=LinkSchema,
          description="What linking answers as Location; 404 when they are not linked.")
def get_link(call: Call, client_id: UUID, contact_id: UUID) -> Response:
    return json_response(call_crm(call, "get_link", client_id=str(client_id),
                                  contact_id=str(contact_id)))


@endpoint(bp, "/<uuid:client_id>/contacts/<uuid:contact_id>", "PATCH",
          summary="Change a link's role, or make it the contact's primary client", tag=TAG,
          body=UpdateLinkBody, response=LinkSchema,
          description="Links carry no version, so no If-Match.")
def update_link(call: Call, client_id: UUID, contact_id: UUID) -> Response:
    return json_response(call_crm(call, "update_link", client_id=str(client_id),
                                  contact_id=str(contact_id), **call.body))


@endpoint(bp, "/<uuid:client_id>/contacts/<uuid:contact_id>", "DELETE",
          summary="Unlink a contact from the client", tag=TAG, status=204,
          description="Unlinking the primary client moves the primary to the contact's "
                      "earliest remaining link, or clears it.")
def unlink_contact(call: Call, client_id: UUID, contact_id: UUID) -> Response:
    call_crm(call, "unlink_contact", client_id=str(client_id), contact_id=str(contact_id))
    return no_content()
