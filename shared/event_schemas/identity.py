"""Events identity publishes: tenants created, invitations sent, members joining, changing
role and leaving. Ids, roles and emails only: never a token, a secret or a password hash."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.event_schemas import register

ROLES = ("owner", "admin", "member", "viewer")
_role = fields.String(required=True, validate=validate.OneOf(ROLES))


@register("identity.tenant.created", 1)
class TenantCreatedV1(Schema):
    tenant_id = fields.UUID(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    owner_user_id = fields.UUID(required=True)


@register("identity.invitation.created", 1)
class InvitationCreatedV1(Schema):
    invitation_id = fields.UUID(required=True)
    email = fields.Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    invited_by = fields.UUID(required=True)
    expires_at = fields.AwareDateTime(required=True, format="iso")


@register("identity.member.joined", 1)
class MemberJoinedV1(Schema):
    user_id = fields.UUID(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    via = fields.String(required=True, validate=validate.OneOf(("signup", "invitation")))
    invitation_id = fields.UUID(allow_none=True, load_default=None)


@register("identity.member.role_changed", 1)
class MemberRoleChangedV1(Schema):
    user_id = fields.UUID(required=True)
    old_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    new_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    changed_by = fields.UUID(required=True)


@register("identity.member.removed", 1)
class MemberRemovedV1(Schema):
    user_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    removed_by = fields.UUID(required=True)


@register("identity.impersonation.started", 1)
class ImpersonationStartedV1(Schema):
    """Support staff began acting as a user of this tenant (an audit record)."""

    support_user_id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    reason = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True, format="iso")
