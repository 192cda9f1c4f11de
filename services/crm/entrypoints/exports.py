"""Export methods (docs/rpc/crm.md#exports): a filtered list as CSV, chunk by chunk."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import exports as schemas
from services.crm.use_cases import exports
from shared.input_schemas import load
from shared.rpc import rpc


class ExportEntrypoints(Entrypoints):
    @rpc
    def export_clients(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ExportClientsInput(), payload)
        with self.db.reading() as session:
            return exports.export_chunk(session, self.ctx, exports.CLIENTS, **args)

    @rpc
    def export_contacts(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ExportContactsInput(), payload)
        with self.db.reading() as session:
            return exports.export_chunk(session, self.ctx, exports.CONTACTS, **args)
