"""Events crm publishes when admins change the tenant's custom field definitions.

Each names the definition (`custom_field_id`, `entity`, `key`, `label`, `type`) and who
acted (`actor_id`), so an audit trail or timeline needs no call back to crm."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.event_schemas import register

ENTITIES = ("client", "contact", "deal")


class CustomFieldEvent(Schema):
    custom_field_id = fields.UUID(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    key = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.custom_field.created", 1)
class CustomFieldCreatedV1(CustomFieldEvent):
    required = fields.Boolean(required=True)


@register("crm.custom_field.updated", 1)
class CustomFieldUpdatedV1(CustomFieldEvent):
    """`changed` names what changed: label, required, options, position."""

    changed = fields.List(fields.String(), required=True)


@register("crm.custom_field.archived", 1)
class CustomFieldArchivedV1(CustomFieldEvent):
    pass


@register("crm.custom_field.restored", 1)
class CustomFieldRestoredV1(CustomFieldEvent):
    """An archived definition created again with the same key and type: its values reappear."""
