"""/api/v1/crm/contacts and /api/v1/crm/reassignments: bodies, list queries and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema
from gateway.schemas.crm import (
    CustomFieldFilterQuery,
    after,
    before,
    custom_field_values,
    sort_with_custom_fields,
    tags_field,
)

SORTS = ("name", "created_at", "updated_at")


class EmailBody(RequestSchema):
    value = fields.Email(required=True, validate=validate.Length(max=254))
    label = fields.String(validate=validate.Length(max=50), metadata={"example": "work"})
    primary = fields.Boolean()


class PhoneBody(RequestSchema):
    value = fields.String(
        required=True, validate=validate.Length(min=1, max=40),
        metadata={"description": "International, with a leading +; stored as E.164.",
                  "example": "+49 30 1234567"})
    label = fields.String(validate=validate.Length(max=50), metadata={"example": "mobile"})
    primary = fields.Boolean()


def _emails() -> fields.List:
    return fields.List(fields.Nested(EmailBody), validate=validate.Length(max=20),
                       metadata={"description": "One is primary: the one marked, else the "
                                                "first."})


def _phones() -> fields.List:
    return fields.List(fields.Nested(PhoneBody), validate=validate.Length(max=20),
                       metadata={"description": "One is primary: the one marked, else the "
                                                "first."})


class ContactBody(RequestSchema):
    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(validate=validate.Length(max=100))
    name = fields.String(allow_none=True, validate=validate.Length(max=200),
                         metadata={"description": 'Display name; "first last" unless given.'})
    title = fields.String(allow_none=True, validate=validate.Length(max=200))
    emails = _emails()
    phones = _phones()
    owner_id = fields.UUID(metadata={"description": "An active member; default you. Setting "
                                                    "it clears owner_flagged."})
    tags = tags_field()
    notes = fields.String(validate=validate.Length(max=20_000))
    custom = custom_field_values()


class CreateContactBody(ContactBody):
    pass


class UpdateContactBody(ContactBody):
    """A PATCH: only the fields sent change; `emails` and `phones` replace the whole list."""


class EntrySchema(ResponseSchema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    primary = fields.Boolean(required=True)


class ContactSchema(ResponseSchema):
    id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    emails = fields.List(fields.Nested(EntrySchema), required=True)
    phones = fields.List(fields.Nested(EntrySchema), required=True)
    primary_email = fields.String(required=True, allow_none=True)
    primary_phone = fields.String(required=True, allow_none=True)
    primary_client_id = fields.String(required=True, allow_none=True)
    owner_id = fields.String(required=True)
    owner_name = fields.String(required=True, allow_none=True)
    owner_flagged = fields.Boolean(
        required=True, metadata={"description": "The owner left the tenant: reassign."})
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(required=True)
    custom = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


ContactPageSchema = page_schema(ContactSchema, "ContactPageSchema")


class ContactListQuery(CustomFieldFilterQuery, ListQuerySchema):
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Matches name, emails or phones."})
    owner_id = fields.UUID()
    mine = fields.Boolean(metadata={"description": "Only contacts you own."})
    tag = fields.String(validate=validate.Length(min=1, max=50))
    client_id = fields.UUID(metadata={"description": "Contacts linked to this client."})
    email = fields.Email(validate=validate.Length(max=254),
                         metadata={"description": "Exact address (any case)."})
    created_after = after("Created")
    created_before = before("Created")
    updated_after = after("Last changed")
    updated_before = before("Last changed")
    sort = sort_with_custom_fields(SORTS, "name")


class MergeBody(RequestSchema):
    duplicate_id = fields.UUID(
        required=True,
        metadata={"description": "The contact merged into this one, then deleted."})


class ReassignBody(RequestSchema):
    from_user_id = fields.UUID(required=True, metadata={"description": "Removed or not."})
    to_user_id = fields.UUID(required=True,
                             metadata={"description": "An active member of your tenant."})


class ReassignmentSchema(ResponseSchema):
    from_user_id = fields.String(required=True)
    to_user_id = fields.String(required=True)
    clients = fields.Integer(required=True)
    contacts = fields.Integer(required=True)
    deals = fields.Integer(required=True, metadata={"description": "Open deals only."})
    remaining = fields.Integer(required=True, metadata={
        "description": "Records of from_user_id still to move: repeat the call until 0."})
