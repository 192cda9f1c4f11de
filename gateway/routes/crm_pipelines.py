"""/api/v1/crm/pipelines: pipelines and their stages (owners and admins change them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.etags import etag_for, expected_version_from_if_match, optional_expected_version
from gateway.responses import json_response, no_content, page_response
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.crm_pipelines import (
    AddStageBody,
    ArchiveStageQuery,
    CreatePipelineBody,
    PipelineListQuery,
    PipelinePageSchema,
    PipelineSchema,
    ReorderStagesBody,
    StageSchema,
    UpdatePipelineBody,
    UpdateStageBody,
)

bp = Blueprint("crm_pipelines", __name__, url_prefix="/api/v1/crm/pipelines")
TAG = "crm"


def tagged(obj: dict[str, Any], status: int = 200, location: str | None = None) -> Response:
    headers = {"ETag": etag_for(obj["version"])}
    if location:
        headers["Location"] = location
    return json_response(obj, status, headers)


@endpoint(bp, "", "GET", summary="List pipelines (a default one always exists)", tag=TAG,
          query=PipelineListQuery, response=PipelinePageSchema, paginated=True)
def list_pipelines(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_pipelines", **call.query))


@endpoint(bp, "", "POST", summary="Create a pipeline", tag=TAG, body=CreatePipelineBody,
          response=PipelineSchema, status=201, location=True, etag=True)
def create_pipeline(call: Call) -> Response:
    pipeline = call_crm(call, "create_pipeline", **call.body)
    return tagged(pipeline, 201, f"{bp.url_prefix}/{pipeline['id']}")


@endpoint(bp, "/<uuid:pipeline_id>", "GET", summary="One pipeline with its stages", tag=TAG,
          response=PipelineSchema, etag=True)
def get_pipeline(call: Call, pipeline_id: UUID) -> Response:
    return tagged(call_crm(call, "get_pipeline", pipeline_id=str(pipeline_id)))


@endpoint(bp, "/<uuid:pipeline_id>", "PATCH", summary="Rename a pipeline or make it the default",
          tag=TAG, body=UpdatePipelineBody, response=PipelineSchema, etag=True, if_match=True)
def update_pipeline(call: Call, pipeline_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    return tagged(call_crm(call, "update_pipeline", pipeline_id=str(pipeline_id),
                           expected_version=expected, **call.body))


@endpoint(bp, "/<uuid:pipeline_id>", "DELETE", tag=TAG, status=204, errors=(412, 422),
          summary="Archive a pipeline (not the default, none of its deals open)",
          description="If-Match is optional.")
def archive_pipeline(call: Call, pipeline_id: UUID) -> Response:
    call_crm(call, "archive_pipeline", pipeline_id=str(pipeline_id),
             expected_version=optional_expected_version())
    return no_content()


@endpoint(bp, "/<uuid:pipeline_id>/stages", "POST", summary="Add a stage", tag=TAG,
          body=AddStageBody, response=StageSchema, status=201, location=True, etag=True)
def add_stage(call: Call, pipeline_id: UUID) -> Response:
    stage = call_crm(call, "add_stage", pipeline_id=str(pipeline_id), **call.body)
    return tagged(stage, 201, f"{bp.url_prefix}/{pipeline_id}/stages/{stage['id']}")


@endpoint(bp, "/<uuid:pipeline_id>/stages/order", "PUT", summary="Reorder the stages",
          tag=TAG, body=ReorderStagesBody, response=PipelineSchema, etag=True)
def reorder_stages(call: Call, pipeline_id: UUID) -> Response:
    return tagged(call_crm(call, "reorder_stages", pipeline_id=str(pipeline_id), **call.body))


@endpoint(bp, "/<uuid:pipeline_id>/stages/<uuid:stage_id>", "GET", summary="One stage",
          tag=TAG, response=StageSchema, etag=True)
def get_stage(call: Call, pipeline_id: UUID, stage_id: UUID) -> Response:
    return tagged(call_crm(call, "get_stage", pipeline_id=str(pipeline_id),
                           stage_id=str(stage_id)))


@endpoint(bp, "/<uuid:pipeline_id>/stages/<uuid:stage_id>", "PATCH",
          summary="Rename a stage or change its probability", tag=TAG, body=UpdateStageBody,
          response=StageSchema, etag=True, if_match=True)
def update_stage(call: Call, pipeline_id: UUID, stage_id: UUID) -> Response:
    expected = expected_version_from_if_match()
    return tagged(call_crm(call, "update_stage", pipeline_id=str(pipeline_id),
                           stage_id=str(stage_id), expected_version=expected, **call.body))


@endpoint(bp, "/<uuid:pipeline_id>/stages/<uuid:stage_id>", "DELETE", tag=TAG, status=204,
          query=ArchiveStageQuery, errors=(412, 422),
          summary="Archive a stage (its open deals move to move_deals_to)",
          description="If-Match (of the stage) is optional.")
def archive_stage(call: Call, pipeline_id: UUID, stage_id: UUID) -> Response:
    call_crm(call, "archive_stage", pipeline_id=str(pipeline_id), stage_id=str(stage_id),
             expected_version=optional_expected_version(), **call.query)
    return no_content()
