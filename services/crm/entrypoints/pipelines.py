"""Pipeline and stage methods (docs/rpc/crm.md#pipelines)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import pipelines as schemas
from services.crm.use_cases import pipelines
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class PipelineEntrypoints(Entrypoints):
    @rpc
    def list_pipelines(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListPipelinesInput, payload)
        with self.db.transaction() as session:  # a tenant's first list makes its default
            return json_answer(pipelines.list_pipelines(session, self.ctx, **args))

    @rpc
    def get_pipeline(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.PipelineIdInput, payload)
        with self.db.reading() as session:
            return json_answer(pipelines.get_pipeline(session, self.ctx, **args))

    @rpc
    def create_pipeline(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CreatePipelineInput, payload)
        with self.db.transaction() as session:
            return json_answer(pipelines.create_pipeline(session, self.ctx, **args))

    @rpc
    def update_pipeline(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdatePipelineInput, payload)
        with self.db.transaction() as session:
            return json_answer(pipelines.update_pipeline(session, self.ctx, **args))

    @rpc
    def archive_pipeline(self, **payload: Any) -> None:
        args = load(schemas.ArchivePipelineInput, payload)
        with self.db.transaction() as session:
            pipelines.archive_pipeline(session, self.ctx, **args)

    @rpc
    def add_stage(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.AddStageInput, payload)
        with self.db.transaction() as session:
            return json_answer(pipelines.add_stage(session, self.ctx, **args))

    @rpc
    def update_stage(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateStageInput, payload)
        with self.db.transaction() as session:
            return json_answer(pipelines.update_stage(session, self.ctx, **args))

    @rpc
    def reorder_stages(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ReorderStagesInput, payload)
        with self.db.transaction() as session:
            return json_answer(pipelines.reorder_stages(session, self.ctx, **args))

    @rpc
    def get_stage(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.StageIdInput, payload)
        with self.db.reading() as session:
            return json_answer(pipelines.get_stage(session, self.ctx, **args))

    @rpc
    def archive_stage(self, **payload: Any) -> None:
        args = load(schemas.ArchiveStageInput, payload)
        with self.db.transaction() as session:
            pipelines.archive_stage(session, self.ctx, **args)
