"""Import methods (docs/rpc/crm.md#imports) and the worker that runs a requested pass."""

from __future__ import annotations

import time
import uuid
from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import imports as schemas
from services.crm.use_cases import imports
from shared.event_handling import handles
from shared.input_schemas import load
from shared.json_ready import json_ready
from shared.rpc import rpc


class ImportEntrypoints(Entrypoints):
    @rpc
    def start_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.StartImportInput(), payload)
        with self.db.transaction() as session:
            return json_ready(imports.start_import(session, self.ctx, **args))

    @rpc
    def get_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ImportIdInput(), payload)
        with self.db.transaction() as session:
            return json_ready(imports.get_import(session, self.ctx, **args))

    @rpc
    def list_imports(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListImportsInput(), payload)
        with self.db.transaction() as session:
            return json_ready(imports.list_imports(session, self.ctx, **args))

    @rpc
    def run_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ImportIdInput(), payload)
        with self.db.transaction() as session:
            return json_ready(imports.run_import(session, self.ctx, **args))

    @handles("crm", "crm.import.requested")
    def on_import_requested(self, envelope: dict[str, Any]) -> None:
        """Runs the pass in batches; if this process dies, the unacked event is delivered
        again and the pass resumes (no inbox: running it twice is safe by design)."""
        tenant_id = uuid.UUID(envelope["tenant_id"])
        imports.run_pass(lambda: self.db.transaction(tenant_id=tenant_id), self.ctx,
                         import_id=uuid.UUID(envelope["data"]["import_id"]),
                         pause=lambda: time.sleep(0))  # eventlet's: other workers run
