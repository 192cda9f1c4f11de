"""/api/v1/crm/contacts (people, their clients, merging duplicates) and
/api/v1/crm/reassignments (an admin moves a member's records to another member)."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match, optional_expected_version
from gateway.responses import json_response, no_content, page_response
from gateway.routes.crm_clients import with_etag
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.common import ListQuerySchema
from gateway.schemas.crm_clients import LinkPageSchema
from gateway.schemas.crm_contacts import (
    ContactListQuery,
    ContactPageSchema,
    ContactSchema,
    CreateContactBody,
    MergeBody,
    ReassignBody,
    ReassignmentSchema,
    UpdateContactBody,
)

bp = Blueprint("crm_contacts", __name__, url_prefix="/api/v1/crm")
CONTACTS = f"{bp.url_prefix}/contacts"
TAG = "crm"


@endpoint(bp, "/contacts", "GET", summary="List contacts", tag=TAG, query=ContactListQuery,
          response=ContactPageSchema, paginated=True)
def list_contacts(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_contacts", **call.query))


@endpoint(bp, "/contacts", "POST", summary="Create a contact", tag=TAG,
          body=CreateContactBody, response=ContactSchema, status=201, location=True,
          etag=True)
def create_contact(call: Call) -> Response:
    contact = call_crm(call, "create_contact", **call.body)
    headers = {"Location": f"{CONTACTS}/{contact['id']}", "ETag": etag_for(contact["version"])}
    return json_response(contact, 201, headers)


@endpoint(bp, "/contacts/<uuid:contact_id>", "GET", summary="One contact", tag=TAG,
          response=ContactSchema, etag=True)
def get_contact(call: Call, contact_id: UUID) -> Response:
    return with_etag(call_crm(call, "get_contact", contact_id=str(contact_id)))


@endpoint(bp, "/contacts/<uuid:contact_id>", "PATCH", summary="Change a contact", tag=TAG,
          body=UpdateContactBody, response=ContactSchema, etag=True, if_match=True)
def update_contact(call: Call, contact_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    return with_etag(call_crm(call, "update_contact", contact_id=str(contact_id),
                              expected_version=expected, **call.body))


@endpoint(bp, "/contacts/<uuid:contact_id>", "DELETE", summary="Delete a contact (admins)",
          tag=TAG, status=204, errors=(412,),
          description="Its links to clients and deals go with it. If-Match is optional.")
def delete_contact(call: Call, contact_id: UUID) -> Response:
    call_crm(call, "delete_contact", contact_id=str(contact_id),
             expected_version=optional_expected_version())
    return no_content()


@endpoint(bp, "/contacts/<uuid:contact_id>/clients", "GET", summary="The contact's clients",
          tag=TAG, query=ListQuerySchema, response=LinkPageSchema, paginated=True)
def list_contact_clients(call: Call, contact_id: UUID) -> Response:
    return page_response(call_page(call, "crm", "list_contact_clients", contact_id=str(contact_id),
                                  **call.query))


@endpoint(bp, "/contacts/<uuid:contact_id>/merge", "POST",
          summary="Merge a duplicate into this contact", tag=TAG, body=MergeBody,
          response=ContactSchema, etag=True, errors=(412, 422),
          description="This contact survives and wins every conflict; the duplicate's "
                      "emails, phones, tags, notes, custom values, client and deal links "
                      "are carried over, then it is deleted. 422 (nothing merged) when the "
                      "result would pass a limit (20 emails, 20 phones, 50 tags, 20,000 "
                      "characters of notes). If-Match (of this contact) is optional.")
def merge_contacts(call: Call, contact_id: UUID) -> Response:
    return with_etag(call_crm(call, "merge_contacts", contact_id=str(contact_id),
                              expected_version=optional_expected_version(), **call.body))


@endpoint(bp, "/reassignments", "POST", summary="Reassign a member's records (admins)",
          tag=TAG, body=ReassignBody, response=ReassignmentSchema,
          description="Every client, contact and open deal of from_user_id (removed or "
                      "not) gets to_user_id as owner, and loses owner_flagged. One call "
                      "moves at most 10,000 records or about 4 s of work; the counts are "
                      "this call's, and `remaining` says how many are left: repeat the "
                      "same request until it is 0.")
def reassign_records(call: Call) -> Response:
    return json_response(call_crm(call, "reassign_records", **call.body))
