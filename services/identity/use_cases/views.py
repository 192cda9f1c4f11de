"""Rows as the plain dicts of the contract (docs/rpc/identity.md); schemas.py formats them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.identity.domain.invitations import effective_status
from services.identity.models import Invitation, Membership, Tenant, User


def user_view(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": membership.role,
        "joined_at": membership.created_at,
        "created_at": user.created_at,
        "updated_at": max(user.updated_at, membership.updated_at),
        "version": membership.version,
    }


def tenant_view(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "slug": tenant.slug,
        "created_at": tenant.created_at,
        "updated_at": tenant.updated_at,
        "version": tenant.version,
    }


def invitation_view(invitation: Invitation, now: datetime) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "status": effective_status(invitation.status, invitation.expires_at, now),
        "expires_at": invitation.expires_at,
        "invited_by": invitation.invited_by,
        "created_at": invitation.created_at,
        "version": invitation.version,
    }


def me_view(user: User, tenant: Tenant, role: str, impersonator_id: str | None) -> dict[str, Any]:
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "created_at": user.created_at,
        },
        "tenant": tenant_view(tenant),
        "role": role,
        "impersonator_id": impersonator_id,
    }
