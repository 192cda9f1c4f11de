"""Users, invitations, the tenant and /me: request bodies, list queries and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.auth import Name, OpaqueToken, Password
from gateway.schemas.common import (
    ROLES,
    ListQuerySchema,
    RequestSchema,
    ResponseSchema,
    page_schema,
)

Role = validate.OneOf(ROLES)
INVITATION_STATUSES = ("pending", "accepted", "revoked", "expired")
USER_SORTS = ("created_at", "-created_at", "email", "-email", "name", "-name")


class UserSchema(ResponseSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=Role)
    joined_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class TenantSchema(ResponseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class InvitationSchema(ResponseSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=Role)
    status = fields.String(required=True, validate=validate.OneOf(INVITATION_STATUSES))
    expires_at = fields.DateTime(required=True)
    invited_by = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)
    token = fields.String(metadata={"description": "Only in the answer to the creation."})


class MeUserSchema(ResponseSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class MeSchema(ResponseSchema):
    user = fields.Nested(MeUserSchema, required=True)
    tenant = fields.Nested(TenantSchema, required=True)
    role = fields.String(required=True, validate=Role)
    impersonator_id = fields.String(required=True, allow_none=True)


UserPageSchema = page_schema(UserSchema, "UserPageSchema")
InvitationPageSchema = page_schema(InvitationSchema, "InvitationPageSchema")


class UserListQuery(ListQuerySchema):
    role = fields.String(validate=Role)
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Matches email or name."},
    )
    sort = fields.String(load_default="created_at", validate=validate.OneOf(USER_SORTS))


class InvitationListQuery(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(INVITATION_STATUSES))


class ChangeRoleBody(RequestSchema):
    role = fields.String(required=True, validate=Role)


class CreateInvitationBody(RequestSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=Role)


class AcceptInvitationBody(RequestSchema):
    token = fields.String(required=True, validate=OpaqueToken)
    password = fields.String(validate=Password, metadata={"description": "New users only."})
    name = fields.String(validate=Name, metadata={"description": "New users only."})


class UpdateTenantBody(RequestSchema):
    name = fields.String(required=True, validate=Name)
