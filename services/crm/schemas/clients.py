"""Inputs of the client methods (docs/rpc/crm.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from services.crm.domain.clients import LIVE_STATUSES, STATUSES, domain_of
from services.crm.domain.limits import NOTES_MAX
from services.crm.schemas.common import (
    Address,
    Currency,
    Tags,
    custom_filters,
    custom_values,
    notes,
    optional_text,
    sort_field,
)
from shared.input_schemas import Input, PageInput, Trimmed

WEBSITE_RULE = "Must be an http(s) URL with a host name, e.g. https://acme.example."


def _website_has_host(website: str) -> None:
    try:
        host = domain_of(website)
    except ValueError:
        host = None
    if host is None:
        raise ValidationError(WEBSITE_RULE)


def website_field(**kwargs: Any) -> fields.URL:
    """An http(s) URL a domain can be taken from: marshmallow's URL check alone passes
    some that no URL parser reads (`http://[1:2]/`)."""
    return fields.URL(allow_none=True, schemes={"http", "https"},
                      validate=[validate.Length(max=2048), _website_has_host], **kwargs)


class DomainFilter(Trimmed):
    """A `domain` filter, normalised as clients' domains are (`www.Acme.example` ->
    `acme.example`); text with no domain in it is a 400, not a filter on `domain IS NULL`."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            domain = domain_of(text)
        except ValueError:
            domain = None
        if domain is None:
            raise ValidationError("Must be a domain name such as acme.example.")
        return domain


class ClientFields(Input):
    """Every field a client's creator may set; an update takes any subset."""

    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    legal_name = optional_text(200)
    website = website_field(load_default=None)
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
    domain = DomainFilter(load_default=None, validate=validate.Length(min=1, max=253))
    created_after = fields.AwareDateTime(load_default=None)
    created_before = fields.AwareDateTime(load_default=None)
    updated_after = fields.AwareDateTime(load_default=None)
    updated_before = fields.AwareDateTime(load_default=None)
    custom = custom_filters()
    custom_min = custom_filters()
    custom_max = custom_filters()
    sort = sort_field("name")


class UpdateClientInput(Input):
    """A PATCH: only the fields given change (no defaults); `null` clears optional ones."""

    client_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    confirm_duplicate_name = fields.Boolean(load_default=False)
    name = Trimmed(validate=validate.Length(min=1, max=200))
    legal_name = Trimmed(allow_none=True, validate=validate.Length(max=200))
    website = website_field()
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
