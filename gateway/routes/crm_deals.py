"""/api/v1/crm/deals: the firm's deals, their kanban moves and their outcomes.

The state changes are sub-resources a client POSTs to (`/move`, `/won`, `/lost`,
`/reopen`), each with a JSON body (`{}` when it has nothing to say). If-Match is
optional on them and on DELETE: sent, a stale ETag is a 412; a PATCH needs it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match, optional_expected_version
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.crm_deals import (
    CreateDealBody,
    DealListQuery,
    DealPageSchema,
    DealSchema,
    LostBody,
    MoveDealBody,
    ReopenBody,
    UpdateDealBody,
    WonBody,
)

bp = Blueprint("crm_deals", __name__, url_prefix="/api/v1/crm/deals")
TAG = "crm"


def with_etag(deal: dict[str, Any], status: int = 200,
              headers: dict[str, str] | None = None) -> Response:
    return json_response(deal, status, {"ETag": etag_for(deal["version"]), **(headers or {})})


@endpoint(bp, "", "GET", summary="List deals", tag=TAG, query=DealListQuery,
          response=DealPageSchema, paginated=True)
def list_deals(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_deals", **call.query))


@endpoint(bp, "", "POST", summary="Create a deal", tag=TAG, body=CreateDealBody,
          response=DealSchema, status=201, location=True, etag=True)
def create_deal(call: Call) -> Response:
    deal = call_crm(call, "create_deal", **call.body)
    return with_etag(deal, 201, {"Location": f"{bp.url_prefix}/{deal['id']}"})


@endpoint(bp, "/<uuid:deal_id>", "GET", summary="One deal", tag=TAG, response=DealSchema,
          etag=True)
def get_deal(call: Call, deal_id: UUID) -> Response:
    return with_etag(call_crm(call, "get_deal", deal_id=str(deal_id)))


@endpoint(bp, "/<uuid:deal_id>", "PATCH", summary="Change a deal", tag=TAG,
          body=UpdateDealBody, response=DealSchema, etag=True, if_match=True, errors=(422,))
def update_deal(call: Call, deal_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    return with_etag(call_crm(call, "update_deal", deal_id=str(deal_id),
                              expected_version=expected, **call.body))


@endpoint(bp, "/<uuid:deal_id>", "DELETE", summary="Delete a deal (owners and admins)",
          tag=TAG, status=204, errors=(412,), description="If-Match is optional.")
def delete_deal(call: Call, deal_id: UUID) -> Response:
    call_crm(call, "delete_deal", deal_id=str(deal_id),
             expected_version=optional_expected_version())
    return no_content()


@endpoint(bp, "/<uuid:deal_id>/move", "POST", summary="Move a deal (stage, kanban order)",
          tag=TAG, body=MoveDealBody, response=DealSchema, etag=True, errors=(412,))
def move_deal(call: Call, deal_id: UUID) -> Response:
    return with_etag(call_crm(call, "move_deal", deal_id=str(deal_id),
                              expected_version=optional_expected_version(), **call.body))


@endpoint(bp, "/<uuid:deal_id>/won", "POST", summary="Mark a deal won", tag=TAG,
          body=WonBody, response=DealSchema, etag=True, errors=(412,))
def mark_deal_won(call: Call, deal_id: UUID) -> Response:
    return with_etag(call_crm(call, "mark_deal_won", deal_id=str(deal_id),
                              expected_version=optional_expected_version(), **call.body))


@endpoint(bp, "/<uuid:deal_id>/lost", "POST", summary="Mark a deal lost", tag=TAG,
          body=LostBody, response=DealSchema, etag=True, errors=(412,))
def mark_deal_lost(call: Call, deal_id: UUID) -> Response:
    return with_etag(call_crm(call, "mark_deal_lost", deal_id=str(deal_id),
                              expected_version=optional_expected_version(), **call.body))


@endpoint(bp, "/<uuid:deal_id>/reopen", "POST", summary="Reopen a won or lost deal",
          tag=TAG, body=ReopenBody, response=DealSchema, etag=True, errors=(412,))
def reopen_deal(call: Call, deal_id: UUID) -> Response:
    return with_etag(call_crm(call, "reopen_deal", deal_id=str(deal_id),
                              expected_version=optional_expected_version(), **call.body))
