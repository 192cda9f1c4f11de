"""Custom field definition methods (docs/rpc/crm.md#custom-fields)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import custom_fields as schemas
from services.crm.use_cases import custom_field_definitions as definitions
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class CustomFieldEntrypoints(Entrypoints):
    @rpc
    def create_custom_field(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CreateCustomFieldInput, payload)
        with self.db.transaction() as session:
            return json_answer(definitions.create_custom_field(session, self.ctx, **args))

    @rpc
    def get_custom_field(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CustomFieldIdInput, payload)
        with self.db.reading() as session:
            return json_answer(definitions.get_custom_field(session, self.ctx, **args))

    @rpc
    def list_custom_fields(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListCustomFieldsInput, payload)
        with self.db.reading() as session:
            return json_answer(definitions.list_custom_fields(session, self.ctx, **args))

    @rpc
    def update_custom_field(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateCustomFieldInput, payload)
        with self.db.transaction() as session:
            return json_answer(definitions.update_custom_field(session, self.ctx, **args))

    @rpc
    def archive_custom_field(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ArchiveCustomFieldInput, payload)
        with self.db.transaction() as session:
            return json_answer(definitions.archive_custom_field(session, self.ctx, **args))
