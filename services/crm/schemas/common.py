"""Input parts CRM's schemas share: tags, notes, addresses, owners, currencies, pages."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from services.crm.domain.limits import MAX_TAGS, NOTES_MAX
from shared.input_schemas import Input, Trimmed
from shared.money import CURRENCIES


class Tags(fields.List):
    """Up to 50 tags, each 1-50 characters, trimmed, duplicates (any case) dropped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Trimmed(validate=validate.Length(min=1, max=50)),
                         validate=validate.Length(max=MAX_TAGS), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        tags = [str(tag) for tag in super()._deserialize(value, attr, data, **kwargs)]
        seen: set[str] = set()
        unique: list[str] = []
        for tag in tags:
            if tag.lower() not in seen:
                seen.add(tag.lower())
                unique.append(tag)
        return unique


class Currency(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if code not in CURRENCIES:
            raise ValidationError("Must be an ISO 4217 currency code, e.g. EUR.")
        return code


class Address(Input):
    line1 = Trimmed(load_default="", validate=validate.Length(max=200))
    line2 = Trimmed(load_default="", validate=validate.Length(max=200))
    city = Trimmed(load_default="", validate=validate.Length(max=100))
    region = Trimmed(load_default="", validate=validate.Length(max=100))
    postal_code = Trimmed(load_default="", validate=validate.Length(max=20))
    country = Trimmed(
        load_default="",
        validate=validate.Regexp(r"^([A-Z]{2})?$", error="Must be an ISO 3166-1 alpha-2 code."),
    )


def optional_text(max_length: int) -> Trimmed:
    return Trimmed(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


def notes() -> Trimmed:
    return Trimmed(load_default="", validate=validate.Length(max=NOTES_MAX))


def custom_values() -> fields.Dict:
    """Values of the tenant's custom fields, by key; checked against their definitions."""
    return fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                       load_default=dict)


def custom_filters() -> fields.Dict:
    """`{key: value}` filters on custom fields (`custom`, `custom_min`, `custom_max`);
    checked against the definitions by custom_fields.list_query."""
    return fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


def sort_field(default: str) -> fields.String:
    """`name` or `-name` (descending); custom fields add `custom.<key>` in the use case."""
    return fields.String(load_default=default, validate=validate.Length(max=80))


class IdInput(Input):
    id = fields.UUID(required=True)
