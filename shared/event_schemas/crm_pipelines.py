"""Events crm publishes when a tenant's pipelines and their stages change.

Stages belong to their pipeline (ADR 0018): any change to them is one
`crm.pipeline.stages_changed` that says which stage changed how and carries the active
stages after it, in order, so a consumer mirroring the pipeline (a forecast, a board)
replaces its copy instead of replaying positions. Each names who acted (`actor_id`)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.event_schemas import register

STAGE_CHANGES = ("added", "updated", "reordered", "archived")


class StageV1(Schema):
    stage_id = fields.UUID(required=True)
    name = fields.String(required=True)
    probability = fields.Integer(required=True)
    position = fields.Integer(required=True)


@register("crm.pipeline.created", 1)
class PipelineCreatedV1(Schema):
    """An admin created a pipeline, or crm created the tenant's default one (the actor is
    then the tenant's owner at signup, or the member whose call needed it)."""

    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    stages = fields.List(fields.Nested(StageV1), required=True)
    actor_id = fields.UUID(required=True)


@register("crm.pipeline.updated", 1)
class PipelineUpdatedV1(Schema):
    """`changed` names what changed (`name`, `is_default`); making one pipeline the
    default also announces the former default, with `is_default` false."""

    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True)
    is_default = fields.Boolean(required=True)
    changed = fields.List(fields.String(), required=True)
    actor_id = fields.UUID(required=True)


@register("crm.pipeline.archived", 1)
class PipelineArchivedV1(Schema):
    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.pipeline.stages_changed", 1)
class PipelineStagesChangedV1(Schema):
    """`change` says what happened to `stage_id` (null when the stages were reordered);
    `changed` names the stage's fields that changed (`name`, `probability`) for
    `updated`, else it is empty; `stages` are the pipeline's active stages after."""

    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True)
    change = fields.String(required=True, validate=validate.OneOf(STAGE_CHANGES))
    stage_id = fields.UUID(required=True, allow_none=True)
    stage_name = fields.String(required=True, allow_none=True)
    changed = fields.List(fields.String(), required=True)
    stages = fields.List(fields.Nested(StageV1), required=True)
    actor_id = fields.UUID(required=True)
