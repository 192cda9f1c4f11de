"""Inputs of the contact, link, merge and reassignment methods (docs/rpc/crm.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from services.crm.domain.contacts import e164
from services.crm.domain.limits import MAX_EMAILS, MAX_PHONES, NOTES_MAX
from services.crm.schemas.common import (
    Tags,
    custom_filters,
    custom_values,
    notes,
    optional_text,
    sort_field,
)
from shared.input_schemas import EmailAddress, Input, PageInput, Trimmed


class PhoneNumber(fields.String):
    """An international phone number, stored in E.164 (`+493012345678`)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > 40:
            raise ValidationError("Longer than 40 characters.")
        try:
            return e164(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class EmailEntry(Input):
    value = EmailAddress(required=True, validate=validate.Length(max=254))
    label = Trimmed(load_default="", validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


class PhoneEntry(Input):
    value = PhoneNumber(required=True)
    label = Trimmed(load_default="", validate=validate.Length(max=50))
    primary = fields.Boolean(load_default=False)


def emails(**kwargs: Any) -> fields.List:
    return fields.List(fields.Nested(EmailEntry), validate=validate.Length(max=MAX_EMAILS),
                       **kwargs)


def phones(**kwargs: Any) -> fields.List:
    return fields.List(fields.Nested(PhoneEntry), validate=validate.Length(max=MAX_PHONES),
                       **kwargs)


def person_name(**kwargs: Any) -> Trimmed:
    return Trimmed(validate=validate.Length(max=100), **kwargs)


class CreateContactInput(Input):
    first_name = person_name(load_default="")
    last_name = person_name(load_default="")
    name = Trimmed(load_default=None, allow_none=True, validate=validate.Length(max=200))
    """The display name; "first last" unless given."""
    title = optional_text(200)
    emails = emails(load_default=list)
    phones = phones(load_default=list)
    owner_id = fields.UUID(load_default=None)
    tags = Tags(load_default=list)
    notes = notes()
    custom = custom_values()


class UpdateContactInput(Input):
    """A PATCH: only the fields given change; `emails`/`phones` replace the whole list."""

    contact_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    first_name = person_name()
    last_name = person_name()
    name = Trimmed(allow_none=True, validate=validate.Length(max=200))
    title = Trimmed(allow_none=True, validate=validate.Length(max=200))
    emails = emails()
    phones = phones()
    owner_id = fields.UUID()
    tags = Tags()
    notes = Trimmed(validate=validate.Length(max=NOTES_MAX))
    custom = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)))


class ContactIdInput(Input):
    contact_id = fields.UUID(required=True)


class DeleteContactInput(ContactIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class ListContactsInput(PageInput):
    q = Trimmed(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    owner_id = fields.UUID(load_default=None)
    mine = fields.Boolean(load_default=False)
    tag = Trimmed(load_default=None, validate=validate.Length(min=1, max=50))
    client_id = fields.UUID(load_default=None)
    email = EmailAddress(load_default=None, validate=validate.Length(max=254))
    created_after = fields.AwareDateTime(load_default=None)
    created_before = fields.AwareDateTime(load_default=None)
    updated_after = fields.AwareDateTime(load_default=None)
    updated_before = fields.AwareDateTime(load_default=None)
    custom = custom_filters()
    custom_min = custom_filters()
    custom_max = custom_filters()
    sort = sort_field("name")


class MergeContactsInput(Input):
    contact_id = fields.UUID(required=True)
    """The survivor."""
    duplicate_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    """Of the survivor, when the caller read it."""


class LinkInput(Input):
    client_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    role = Trimmed(load_default="", validate=validate.Length(max=100))
    primary = fields.Boolean(load_default=False)


class UpdateLinkInput(Input):
    client_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    role = Trimmed(validate=validate.Length(max=100))
    primary = fields.Boolean()


class LinkIdInput(Input):
    client_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)


class ClientLinksInput(PageInput):
    client_id = fields.UUID(required=True)


class ContactLinksInput(PageInput):
    contact_id = fields.UUID(required=True)


class ReassignInput(Input):
    from_user_id = fields.UUID(required=True)
    to_user_id = fields.UUID(required=True)
