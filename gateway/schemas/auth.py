"""Bodies and answers of the /auth endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import RequestSchema, ResponseSchema

PASSWORD_MIN_LENGTH = 10
"""identity's password policy; checked here too so the document states it."""
Password = validate.Length(min=PASSWORD_MIN_LENGTH, max=1024)
TenantRef = validate.Length(min=1, max=64)
OpaqueToken = validate.Length(min=1, max=512)
Name = validate.Length(min=1, max=200)


class SignupBody(RequestSchema):
    tenant_name = fields.String(required=True, validate=Name)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=Password)
    name = fields.String(required=True, validate=Name)


class LoginBody(RequestSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    tenant = fields.String(
        validate=TenantRef,
        metadata={"description": "Tenant id or slug; needed when the user has several."},
    )


class RefreshBody(RequestSchema):
    refresh_token = fields.String(required=True, validate=OpaqueToken)


class SwitchTenantBody(RequestSchema):
    tenant = fields.String(
        required=True, validate=TenantRef, metadata={"description": "Tenant id or slug."}
    )


class TokenPairSchema(ResponseSchema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds."})
    tenant_id = fields.String(required=True)
