"""/api/v1/crm/clients: request bodies, list queries and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema
from gateway.schemas.crm import (
    AddressBody,
    AddressSchema,
    CustomFieldFilterQuery,
    after,
    before,
    currency_field,
    custom_field_values,
    sort_with_custom_fields,
    tags_field,
)

STATUSES = ("lead", "active", "archived")
SORTS = ("name", "created_at", "updated_at")


class ClientBody(RequestSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    website = fields.Url(allow_none=True, schemes={"http", "https"},
                         validate=validate.Length(max=2048))
    industry = fields.String(allow_none=True, validate=validate.Length(max=100))
    tax_id = fields.String(allow_none=True, validate=validate.Length(max=50))
    billing_address = fields.Nested(AddressBody, allow_none=True)
    currency = currency_field(required=True)
    owner_id = fields.UUID(metadata={"description": "A member of your tenant; default you."})
    status = fields.String(validate=validate.OneOf(("lead", "active")))
    tags = tags_field()
    notes = fields.String(validate=validate.Length(max=20_000))
    custom = custom_field_values()


class CreateClientBody(ClientBody):
    confirm_duplicate_name = fields.Boolean(
        metadata={"description": "Create even if a client of this name exists (else 409)."}
    )


class ClientSchema(ResponseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    legal_name = fields.String(required=True, allow_none=True)
    website = fields.String(required=True, allow_none=True)
    domain = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True, allow_none=True)
    tax_id = fields.String(required=True, allow_none=True)
    billing_address = fields.Nested(AddressSchema, required=True, allow_none=True)
    currency = fields.String(required=True)
    owner_id = fields.String(required=True)
    owner_name = fields.String(required=True, allow_none=True)
    owner_flagged = fields.Boolean(
        required=True, metadata={"description": "The owner left the tenant: reassign."}
    )
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    archived_at = fields.DateTime(required=True, allow_none=True)
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(required=True)
    custom = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


ClientPageSchema = page_schema(ClientSchema, "ClientPageSchema")


class ClientListQuery(CustomFieldFilterQuery, ListQuerySchema):
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Matches name, legal name or domain."})
    status = fields.String(validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID()
    mine = fields.Boolean(metadata={"description": "Only clients you own."})
    tag = fields.String(validate=validate.Length(min=1, max=50))
    domain = fields.String(validate=validate.Length(min=1, max=253))
    created_after = after("Created")
    created_before = before("Created")
    updated_after = after("Last changed")
    updated_before = before("Last changed")
    sort = sort_with_custom_fields(SORTS, "name")


class UpdateClientBody(RequestSchema):
    """A PATCH: only the fields sent change; `null` clears an optional one."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    legal_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    website = fields.Url(allow_none=True, schemes={"http", "https"},
                         validate=validate.Length(max=2048))
    industry = fields.String(allow_none=True, validate=validate.Length(max=100))
    tax_id = fields.String(allow_none=True, validate=validate.Length(max=50))
    billing_address = fields.Nested(AddressBody, allow_none=True)
    currency = currency_field()
    owner_id = fields.UUID(metadata={"description": "An active member; clears owner_flagged."})
    status = fields.String(validate=validate.OneOf(("lead", "active")),
                           metadata={"description": "Archive and restore have their own calls."})
    tags = tags_field()
    notes = fields.String(validate=validate.Length(max=20_000))
    custom = custom_field_values()
    confirm_duplicate_name = fields.Boolean(
        metadata={"description": "Rename even if a client of this name exists (else 409)."}
    )


class LinkContactBody(RequestSchema):
    contact_id = fields.UUID(required=True)
    role = fields.String(validate=validate.Length(max=100),
                         metadata={"description": 'e.g. "billing contact"'})
    primary = fields.Boolean(
        metadata={"description": "Make this the contact's primary client (the first link "
                                 "of a contact without one is made primary anyway)."})


class UpdateLinkBody(RequestSchema):
    role = fields.String(validate=validate.Length(max=100))
    primary = fields.Boolean(
        metadata={"description": "true: the contact's primary client; false on the primary "
                                 "clears it."})


class LinkSchema(ResponseSchema):
    """A contact's link to a client."""

    client_id = fields.String(required=True)
    client_name = fields.String(required=True)
    contact_id = fields.String(required=True)
    contact_name = fields.String(required=True)
    role = fields.String(required=True)
    primary = fields.Boolean(required=True,
                             metadata={"description": "The client is the contact's primary."})
    created_at = fields.DateTime(required=True)


LinkPageSchema = page_schema(LinkSchema, "LinkPageSchema")

