"""Events crm publishes about contacts, their links to clients, and owner reassignment.
Each names the contact (id and name) and who acted (`actor_id`), so the activity
timeline can tell a contact's and a client's story without asking crm."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.event_schemas import register


@register("crm.contact.created", 1)
class ContactCreatedV1(Schema):
    contact_id = fields.UUID(required=True)
    name = fields.String(required=True)
    owner_id = fields.UUID(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.contact.updated", 1)
class ContactUpdatedV1(Schema):
    """`changed` names the fields that changed (values are read from crm when needed)."""

    contact_id = fields.UUID(required=True)
    name = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    owner_id = fields.UUID(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.contact.deleted", 1)
class ContactDeletedV1(Schema):
    contact_id = fields.UUID(required=True)
    name = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.contact.merged", 1)
class ContactMergedV1(Schema):
    """`merged_id` (the duplicate) is gone; its links, deals and details are the survivor's."""

    survivor_id = fields.UUID(required=True)
    merged_id = fields.UUID(required=True)
    name = fields.String(required=True)
    merged_name = fields.String(required=True)
    actor_id = fields.UUID(required=True)


class _LinkEvent(Schema):
    contact_id = fields.UUID(required=True)
    client_id = fields.UUID(required=True)
    name = fields.String(required=True, metadata={"description": "The contact's name."})
    client_name = fields.String(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.contact.linked", 1)
class ContactLinkedV1(_LinkEvent):
    role = fields.String(required=True)
    primary = fields.Boolean(required=True)


@register("crm.contact.link_changed", 1)
class ContactLinkChangedV1(_LinkEvent):
    role = fields.String(required=True)
    primary = fields.Boolean(required=True)
    changed = fields.List(fields.String(), required=True)


@register("crm.contact.unlinked", 1)
class ContactUnlinkedV1(_LinkEvent):
    primary_client_id = fields.UUID(required=True, allow_none=True,
                                    metadata={"description": "The contact's primary after."})


@register("crm.records.reassigned", 1)
class RecordsReassignedV1(Schema):
    """An admin moved every client, contact and open deal of one member to another."""

    from_user_id = fields.UUID(required=True)
    to_user_id = fields.UUID(required=True)
    clients = fields.Integer(required=True)
    contacts = fields.Integer(required=True)
    deals = fields.Integer(required=True)
    actor_id = fields.UUID(required=True)
