"""Events crm publishes about clients. Each names the client and who acted (`actor_id`),
so the activity timeline can say who did what without asking crm."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.event_schemas import register

CLIENT_STATUSES = ("lead", "active", "archived")


@register("crm.client.created", 1)
class ClientCreatedV1(Schema):
    client_id = fields.UUID(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CLIENT_STATUSES))
    owner_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.client.updated", 1)
class ClientUpdatedV1(Schema):
    """`changed` names the fields that changed (values are read from crm when needed)."""

    client_id = fields.UUID(required=True)
    name = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    owner_id = fields.UUID(required=True)
    actor_id = fields.UUID(allow_none=True, load_default=None)


@register("crm.client.archived", 1)
class ClientArchivedV1(Schema):
    client_id = fields.UUID(required=True)
    name = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.client.restored", 1)
class ClientRestoredV1(Schema):
    client_id = fields.UUID(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CLIENT_STATUSES))
    actor_id = fields.UUID(required=True)


@register("crm.client.deleted", 1)
class ClientDeletedV1(Schema):
    """An admin deleted the client (only one without deals); its contact links went with it."""

    client_id = fields.UUID(required=True)
    name = fields.String(required=True)
    actor_id = fields.UUID(required=True)
