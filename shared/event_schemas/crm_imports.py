"""Events crm publishes about CSV imports (docs/adr/0015-crm-imports.md).

`crm.import.requested` is crm's own work queue made durable by the outbox: recorded in the
transaction that accepts an upload or a run, consumed by crm to process the file in
batches. `crm.import.completed` tells others (notify) that a pass finished,
`crm.import.failed` that one stopped for good (retry it), `crm.import.expired` that a file
waited too long unused (docs/adr/0019-crm-import-failures.md)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.event_schemas import register


@register("crm.import.requested", 1)
class ImportRequestedV1(Schema):
    import_id = fields.UUID(required=True)
    entity = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.import.completed", 1)
class ImportCompletedV1(Schema):
    import_id = fields.UUID(required=True)
    entity = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    status = fields.String(required=True)
    total_rows = fields.Integer(required=True)
    created_rows = fields.Integer(required=True)
    skipped_rows = fields.Integer(required=True)
    failed_rows = fields.Integer(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.import.failed", 1)
class ImportFailedV1(Schema):
    """A pass that failed on every attempt, or stopped making progress: the user may retry."""

    import_id = fields.UUID(required=True)
    entity = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    processed_rows = fields.Integer(required=True)
    reason = fields.String(required=True)
    actor_id = fields.UUID(required=True, allow_none=True)
    """Who started the import (crm's timer fails a stalled one on no one's behalf)."""


@register("crm.import.expired", 1)
class ImportExpiredV1(Schema):
    """A validated or failed import's file removed after waiting unused."""

    import_id = fields.UUID(required=True)
    entity = fields.String(required=True)
    reason = fields.String(required=True)
    actor_id = fields.UUID(required=True, allow_none=True)
