"""/api/v1/crm/pipelines: request bodies and answers of pipelines and their stages."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema

MAX_STAGES = 30
PIPELINE_SORTS = ("position", "name", "created_at")


def probability(**kwargs: object) -> fields.Integer:
    return fields.Integer(
        strict=True, validate=validate.Range(min=0, max=100),
        metadata={"description": "Win probability of the stage's open deals, in percent."},
        **kwargs,  # type: ignore[arg-type]
    )


def stage_name(**kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)  # type: ignore[arg-type]


class NewStageBody(RequestSchema):
    name = stage_name(required=True)
    probability = probability(required=True)


class CreatePipelineBody(RequestSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    stages = fields.List(fields.Nested(NewStageBody),
                         validate=validate.Length(min=1, max=MAX_STAGES),
                         metadata={"description": "In order; default: the standard stages."})
    is_default = fields.Boolean(metadata={"description": "Make it the tenant's default."})


class UpdatePipelineBody(RequestSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    is_default = fields.Boolean(
        metadata={"description": "true makes it the default; a default stays one until "
                                 "another pipeline is made the default."})


class AddStageBody(RequestSchema):
    name = stage_name(required=True)
    probability = probability(required=True)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_STAGES),
                              metadata={"description": "0 = first; default: last."})


class UpdateStageBody(RequestSchema):
    name = stage_name()
    probability = probability()


class ReorderStagesBody(RequestSchema):
    stage_ids = fields.List(fields.UUID(), required=True,
                            validate=validate.Length(min=1, max=MAX_STAGES),
                            metadata={"description": "Every active stage, in the new order."})


class ArchiveStageQuery(RequestSchema):
    move_deals_to = fields.UUID(
        metadata={"description": "Another stage of the pipeline: where the stage's open "
                                 "deals go (required when it holds any)."})


class StageSchema(ResponseSchema):
    id = fields.String(required=True)
    pipeline_id = fields.String(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    probability = fields.Integer(required=True)
    archived_at = fields.DateTime(required=True, allow_none=True)
    version = fields.Integer(required=True)


class PipelineSchema(ResponseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    position = fields.Integer(required=True)
    archived_at = fields.DateTime(required=True, allow_none=True)
    stages = fields.List(fields.Nested(StageSchema), required=True,
                         metadata={"description": "Active stages, in order."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


PipelinePageSchema = page_schema(PipelineSchema, "PipelinePageSchema")


class PipelineListQuery(ListQuerySchema):
    sort = fields.String(load_default="position", validate=validate.OneOf(
        [*PIPELINE_SORTS, *(f"-{s}" for s in PIPELINE_SORTS)]))
