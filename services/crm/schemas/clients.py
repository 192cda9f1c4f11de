"""Inputs of the client methods (docs/rpc/crm.md)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.crm.domain.clients import LIVE_STATUSES, STATUSES
from services.crm.domain.limits import NOTES_MAX
from services.crm.schemas.common import (
    Address,
    Currency,
    Tags,
    custom_values,
    notes,
    optional_text,
    sort_field,
)
from shared.input_schemas import Input, PageInput, Trimmed


class ClientFields(Input):
    """Every field a client's creator may set; an update takes any subset."""

    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    legal_name = optional_text(200)
    website = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"},
                         validate=validate.Length(max=2048))
    industry = optional_text(100)
    tax_id = optional_text(50)
    billing_address = fields.Nested(Address, load_default=None, allow_none=True)
    currency = Currency(required=True)
    owner_id = fields.UUID(load_default=None)
    status = fields.String(load_default="lead", validate=validate.OneOf(LIVE_STATUSES))
    tags = Tags(load_default=list)
    notes = notes()
    custom = custom_values()


class CreateClientInput(ClientFields):
    confirm_duplicate_name = fields.Boolean(load_default=False)
    """A second client of the same name (any case) is refused unless this is true."""


class GetClientInput(Input):
    client_id = fields.UUID(required=True)


class ListClientsInput(PageInput):
    q = Trimmed(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID(load_default=None)
    mine = fields.Boolean(load_default=False)
    tag = Trimmed(load_default=None, validate=validate.Length(min=1, max=50))
    domain = Trimmed(load_default=None, validate=validate.Length(min=1, max=253))
    created_after = fields.AwareDateTime(load_default=None)
    created_before = fields.AwareDateTime(load_default=None)
    custom = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    """Filters on custom fields: `{key: value}` (see custom_fields.filter_clauses)."""
    sort = sort_field("name")


class UpdateClientInput(Input):
    """A PATCH: only the fields given change (no defaults); `null` clears optional ones."""

    client_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    confirm_duplicate_name = fields.Boolean(load_default=False)
    name = Trimmed(validate=validate.Length(min=1, max=200))
    legal_name = Trimmed(allow_none=True, validate=validate.Length(max=200))
    website = fields.URL(allow_none=True, schemes={"http", "https"},
                         validate=validate.Length(max=2048))
    industry = Trimmed(allow_none=True, validate=validate.Length(max=100))
    tax_id = Trimmed(allow_none=True, validate=validate.Length(max=50))
    billing_address = fields.Nested(Address, allow_none=True)
    currency = Currency()
    owner_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(LIVE_STATUSES))
    tags = Tags()
    notes = Trimmed(validate=validate.Length(max=NOTES_MAX))
    custom = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)))


class ClientVersionInput(Input):
    """Archive, restore, delete: the client and, optionally, the version the caller read."""

    client_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
