"""Events crm publishes about CSV imports (docs/adr/0015-crm-imports.md).

`crm.import.requested` is crm's own work queue made durable by the outbox: recorded in the
transaction that accepts an upload or a run, consumed by crm to process the file in
batches. `crm.import.completed` tells others (notify) that a pass finished."""

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
