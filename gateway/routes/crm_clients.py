"""/api/v1/crm/clients: the firm's clients."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for
from gateway.responses import json_response, page_response
from gateway.routes.service_calls import call_crm
from gateway.schemas.crm_clients import (
    ClientListQuery,
    ClientPageSchema,
    ClientSchema,
    CreateClientBody,
)

bp = Blueprint("crm_clients", __name__, url_prefix="/api/v1/crm/clients")
TAG = "crm"


@endpoint(bp, "", "GET", summary="List clients", tag=TAG, query=ClientListQuery,
          response=ClientPageSchema, paginated=True)
def list_clients(call: Call) -> Response:
    return page_response(call_crm(call, "list_clients", **call.query))


@endpoint(bp, "", "POST", summary="Create a client", tag=TAG, body=CreateClientBody,
          response=ClientSchema, status=201, location=True, etag=True, errors=(409,))
def create_client(call: Call) -> Response:
    client = call_crm(call, "create_client", **call.body)
    headers = {"Location": f"{bp.url_prefix}/{client['id']}", "ETag": etag_for(client["version"])}
    return json_response(client, 201, headers)


@endpoint(bp, "/<uuid:client_id>", "GET", summary="One client", tag=TAG,
          response=ClientSchema, etag=True)
def get_client(call: Call, client_id: UUID) -> Response:
    client = call_crm(call, "get_client", client_id=str(client_id))
    return json_response(client, headers={"ETag": etag_for(client["version"])})

