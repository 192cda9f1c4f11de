"""Shapes every CRM area shares: money, addresses, tags, owners."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from gateway.schemas.common import RequestSchema, ResponseSchema

CURRENCY = fields.String  # checked against ISO 4217 by crm (the one list is shared/money.py)


def currency_field(**kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error="Must be an ISO 4217 code, e.g. EUR."),
        metadata={"description": "ISO 4217 code, e.g. EUR."},
        **kwargs,  # type: ignore[arg-type]
    )


class MoneyBody(RequestSchema):
    amount = fields.String(
        required=True,
        validate=validate.Regexp(r"^-?\d{1,15}(\.\d{1,4})?$",
                                 error='Must be a decimal string such as "1234.50".'),
        metadata={"description": "A decimal string, never a float.", "example": "1234.50"},
    )
    currency = currency_field(required=True)


class MoneySchema(ResponseSchema):
    amount = fields.String(required=True, metadata={"example": "1234.50"})
    currency = fields.String(required=True, metadata={"example": "EUR"})


class AddressBody(RequestSchema):
    line1 = fields.String(validate=validate.Length(max=200))
    line2 = fields.String(validate=validate.Length(max=200))
    city = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=validate.Length(max=100))
    postal_code = fields.String(validate=validate.Length(max=20))
    country = fields.String(
        validate=validate.Regexp(r"^([A-Z]{2})?$", error="Must be an ISO 3166-1 alpha-2 code.")
    )


class AddressSchema(ResponseSchema):
    line1 = fields.String()
    line2 = fields.String()
    city = fields.String()
    region = fields.String()
    postal_code = fields.String()
    country = fields.String()


def tags_field() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                       validate=validate.Length(max=50))


def custom_field_values() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        metadata={"description": "Custom field values by key; null clears one."},
    )


CUSTOM_KEY = r"[a-z][a-z0-9_]{0,63}"
_CUSTOM_PARAMETER = re.compile(r"^(custom|custom_min|custom_max)\[(.*)\]$")
MAX_CUSTOM_FILTERS = 5
"""Per parameter; with values this short a URL stays under gunicorn's request-line limit."""
MAX_CUSTOM_FILTER_LENGTH = 100
MAX_CUSTOM_BOUND_LENGTH = 40
"""Enough for any bound: `999999999999999.9999 EUR`, `-999999999999999`, a date."""


def _custom_filter(description: str, max_length: int) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Regexp(f"^{CUSTOM_KEY}$")),
        values=fields.String(validate=validate.Length(min=1, max=max_length)),
        validate=validate.Length(max=MAX_CUSTOM_FILTERS),
        metadata={
            "description": description,
            "maxProperties": MAX_CUSTOM_FILTERS,
            "parameter": {"style": "deepObject", "explode": True,
                          "schema": {"propertyNames": {"pattern": f"^{CUSTOM_KEY}$"}}},
        },
    )


class CustomFieldFilterQuery(Schema):
    """Filters on custom fields for a list query: `?custom[tier]=gold&custom[seats]=5`
    (equality) and `?custom_min[seats]=5&custom_max[seats]=10` (inclusive bounds; number,
    decimal, money and date fields; ADR 0020).

    Each is documented as one OpenAPI `deepObject` parameter (style deepObject, explode,
    one level: well defined in OpenAPI 3.1), which generated clients and schemathesis
    serialize as above; `pre_load` gathers the `custom[<key>]`, `custom_min[<key>]` and
    `custom_max[<key>]` arguments into the dicts the services take (values are checked
    by crm, which knows each field's type). Mix it into a list query:
    `class DealListQuery(CustomFieldFilterQuery, ListQuerySchema)`, and give its `sort`
    `sort_with_custom_fields(SORTS, default)`.
    """

    custom = _custom_filter(
        "Equality filters on custom fields, e.g. `custom[tier]=gold`; a multi-select "
        "matches objects holding the option, booleans are `true`/`false`, dates "
        "`YYYY-MM-DD`, money `custom[budget]=1200.00 EUR` (or `custom[budget]=EUR`: any "
        "amount in EUR).", MAX_CUSTOM_FILTER_LENGTH)
    custom_min = _custom_filter(
        "Lower bounds (inclusive) on number, decimal, money and date custom fields, e.g. "
        "`custom_min[seats]=5`, `custom_min[signed]=2026-01-01`, "
        "`custom_min[budget]=1000 EUR` (money compares within its currency only).",
        MAX_CUSTOM_BOUND_LENGTH)
    custom_max = _custom_filter(
        "Upper bounds (inclusive), as `custom_min`: `custom_max[seats]=10`.",
        MAX_CUSTOM_BOUND_LENGTH)

    @pre_load
    def gather_custom_fields(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        gathered: dict[str, dict[str, Any]] = {}
        rest: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, value in data.items():
            match = _CUSTOM_PARAMETER.fullmatch(name)
            if match is None:
                rest[name] = value
            elif not re.fullmatch(CUSTOM_KEY, match.group(2)):
                errors[name] = ["Not a custom field key (a-z, 0-9 and _, 64 at most)."]
            else:
                gathered.setdefault(match.group(1), {})[match.group(2)] = value
        for parameter in ("custom", "custom_min", "custom_max"):
            if parameter in rest:
                errors[parameter] = [f"Filter on custom fields as {parameter}[<key>]=<value>."]
        if errors:
            raise ValidationError(errors)
        return {**rest, **gathered}


def after(what: str) -> fields.AwareDateTime:
    """A time filter's start: objects whose `what` is at or after it (RFC 3339, with zone)."""
    return fields.AwareDateTime(metadata={"description": f"{what} at or after this instant."})


def before(what: str) -> fields.AwareDateTime:
    """A time filter's end: objects whose `what` is before it (exclusive), so consecutive
    windows never count an object twice."""
    return fields.AwareDateTime(metadata={"description": f"{what} before this instant."})


def sort_with_custom_fields(sorts: tuple[str, ...], default: str) -> fields.String:
    """A list's `sort`: one of `sorts` or `custom.<key>`, each optionally `-` (descending)."""
    names = "|".join(re.escape(s) for s in sorts)
    return fields.String(
        load_default=default,
        validate=validate.Regexp(
            rf"^-?({names}|custom\.{CUSTOM_KEY})$",
            error=f"Must be one of {', '.join(sorts)} or custom.<key>, optionally with -.",
        ),
        metadata={"description": "Sort key; `-` for descending; `custom.<key>` sorts by a "
                  "custom field (objects without a value first; a money field only when "
                  "its filters name one currency, e.g. `custom[budget]=EUR`)."},
    )
