"""Shapes every CRM area shares: money, addresses, tags, owners."""

from __future__ import annotations

from marshmallow import fields, validate

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
