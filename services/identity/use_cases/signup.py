"""Signing up: a new firm, its first user as owner, signed in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import passwords, roles, slugs
from services.identity.models import Membership, Tenant, User
from services.identity.tokens import Tokens
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import Conflict
from shared.outbox import record_event
from shared.tenancy import scope_to_tenant, scope_to_user


def signup(
    session: DbSession,
    ctx: CallContext,
    tokens: Tokens,
    *,
    tenant_name: str,
    email: str,
    password: str,
    name: str,
    client_ip: str | None = None,
) -> dict[str, Any]:
    """A new tenant with this new user as its owner, signed in."""
    now = utcnow()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists; sign in instead.")
    base = slugs.slugify(tenant_name)
    taken = session.scalars(select(Tenant.slug).where(Tenant.slug.like(base + "%"))).all()
    tenant = Tenant(id=uuid.uuid4(), name=tenant_name, slug=slugs.unique_slug(base, taken))
    user = User(id=uuid.uuid4(), email=email, name=name,
                password_hash=passwords.hash_password(password))
    session.add_all([tenant, user])
    session.flush()
    scope_to_tenant(session, tenant.id)
    scope_to_user(session, user.id)
    session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=roles.OWNER))
    record_event(
        session, ctx, "identity.tenant.created",
        {"tenant_id": tenant.id, "name": tenant.name, "slug": tenant.slug,
         "owner_user_id": user.id},
        tenant_id=tenant.id,
    )
    record_event(
        session, ctx, "identity.member.joined",
        {"user_id": user.id, "email": user.email, "name": user.name, "role": roles.OWNER,
         "via": "signup"},
        tenant_id=tenant.id,
    )
    return tokens.open_session(
        session, user_id=user.id, tenant_id=tenant.id, role=roles.OWNER, now=now,
        client_ip=client_ip,
    )
