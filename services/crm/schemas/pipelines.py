"""Inputs of the pipeline and stage methods (docs/rpc/crm.md#pipelines)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.crm.domain.pipelines import MAX_STAGES
from shared.input_schemas import Input, PageInput, Trimmed

PROBABILITY = validate.Range(min=0, max=100, error="Must be a percentage from 0 to 100.")


def stage_name(**kwargs: object) -> Trimmed:
    return Trimmed(validate=validate.Length(min=1, max=200), **kwargs)  # type: ignore[arg-type]


def probability(**kwargs: object) -> fields.Integer:
    return fields.Integer(strict=True, validate=PROBABILITY, **kwargs)  # type: ignore[arg-type]


class NewStage(Input):
    name = stage_name(required=True)
    probability = probability(required=True)


class ListPipelinesInput(PageInput):
    sort = fields.String(load_default="position", validate=validate.Length(max=80))


class PipelineIdInput(Input):
    pipeline_id = fields.UUID(required=True)


class ArchivePipelineInput(PipelineIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class CreatePipelineInput(Input):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    stages = fields.List(fields.Nested(NewStage), load_default=None,
                         validate=validate.Length(min=1, max=MAX_STAGES))
    is_default = fields.Boolean(load_default=False)


class UpdatePipelineInput(PipelineIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    name = Trimmed(load_default=None, validate=validate.Length(min=1, max=200))
    is_default = fields.Boolean(load_default=None)


class AddStageInput(PipelineIdInput):
    name = stage_name(required=True)
    probability = probability(required=True)
    position = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=0))


class StageIdInput(PipelineIdInput):
    stage_id = fields.UUID(required=True)


class UpdateStageInput(StageIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    name = stage_name(load_default=None)
    probability = probability(load_default=None)


class ReorderStagesInput(PipelineIdInput):
    stage_ids = fields.List(fields.UUID(), required=True,
                            validate=validate.Length(min=1, max=MAX_STAGES))


class ArchiveStageInput(StageIdInput):
    move_deals_to = fields.UUID(load_default=None)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
