"""Import methods (docs/rpc/crm.md#imports) and the worker that runs a requested pass."""

from __future__ import annotations

import time
import uuid
from typing import Any

from nameko.timer import timer

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import imports as schemas
from services.crm.use_cases import import_reviews, imports
from shared.call_context import CallContext
from shared.event_handling import EventDelivery, handles
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc

REVIEW_INTERVAL = 300.0
"""Seconds between looks at the imports whose deadline is due (stalled, file kept)."""


class ImportEntrypoints(Entrypoints):
    delivery = EventDelivery()

    @rpc
    def start_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.StartImportInput(), payload)
        with self.db.transaction() as session:
            return json_answer(imports.start_import(session, self.ctx, **args))

    @rpc
    def get_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ImportIdInput(), payload)
        with self.db.reading() as session:
            return json_answer(imports.get_import(session, self.ctx, **args))

    @rpc
    def list_imports(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListImportsInput(), payload)
        with self.db.reading() as session:
            return json_answer(imports.list_imports(session, self.ctx, **args))

    @rpc
    def run_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ImportIdInput(), payload)
        with self.db.transaction() as session:
            return json_answer(imports.run_import(session, self.ctx, **args))

    @rpc
    def retry_import(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ImportIdInput(), payload)
        with self.db.transaction() as session:
            return json_answer(imports.retry_import(session, self.ctx, **args))

    @rpc
    def list_import_problems(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListImportProblemsInput(), payload)
        with self.db.reading() as session:
            return json_answer(imports.list_import_problems(session, self.ctx, **args))

    @timer(interval=REVIEW_INTERVAL)
    def review_imports(self) -> None:
        """Fail stalled passes and expire files left unused, each in its tenant's scope."""
        with self.db.transaction(tenant_id=None, user_id=None) as session:
            due = import_reviews.due_deadlines(session)
        for tenant_id, import_id in due:
            ctx = CallContext(tenant_id=str(tenant_id), request_id=self.ctx.request_id)
            with self.db.transaction(ctx) as session:
                import_reviews.review_import(session, ctx, import_id=import_id)

    @handles("crm", "crm.import.requested")
    def on_import_requested(self, envelope: dict[str, Any]) -> None:
        """Runs the pass in batches; if this process dies, the unacked event is delivered
        again and the pass resumes (no inbox: running it twice is safe by design). On the
        last attempt a failure ends the import `failed` for its user to retry."""
        tenant_id = uuid.UUID(envelope["tenant_id"])
        imports.run_pass(lambda: self.db.transaction(tenant_id=tenant_id), self.ctx,
                         import_id=uuid.UUID(envelope["data"]["import_id"]),
                         pause=lambda: time.sleep(0),  # eventlet's: other workers run
                         last_attempt=self.delivery.attempt if self.delivery.last else None)
