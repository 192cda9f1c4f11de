"""Signing in with a password, into one of the user's tenants, or over to another."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import passwords
from services.identity.models import Membership, Session, Tenant, User
from services.identity.tokens import Tokens
from services.identity.use_cases import throttling
from services.identity.use_cases.common import Refused, as_uuid, caller_ids
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from shared.tenancy import scope_to_tenant, scope_to_user

BAD_CREDENTIALS = "Invalid email or password."


def _pick_membership(memberships: list[Any], tenant: str | None) -> Any:
    if tenant:
        for m in memberships:
            if tenant.lower() in (str(m.tenant_id), m.slug):
                return m
        raise Unauthenticated("You are not a member of that tenant.")
    if not memberships:
        raise Unauthenticated("This account belongs to no tenant.")
    if len(memberships) > 1:
        choices = ", ".join(m.slug for m in memberships)
        raise ValidationFailed(
            "Choose a tenant.", {"tenant": [f"You belong to several tenants: {choices}."]}
        )
    return memberships[0]


def _memberships_of(session: DbSession, user_id: uuid.UUID) -> list[Any]:
    """Every tenant the user belongs to (RLS lets a user read their own memberships)."""
    scope_to_user(session, user_id)
    return list(
        session.execute(
            select(Membership.tenant_id, Membership.role, Tenant.slug)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.created_at)
            .execution_options(all_tenants=True)
        ).all()
    )


def authenticate(
    session: DbSession, email: str, password: str, client_ip: str | None
) -> User | Refused:
    """The user whose password this is, or a refusal that counts towards the throttle."""
    now = utcnow()
    counters = throttling.check_not_throttled(session, email, client_ip, now)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        passwords.burn_verification_time(password)
        verified = passwords.Verification(ok=False)
    else:
        verified = passwords.verify_password(user.password_hash, password)
    if not verified.ok or user is None:
        throttling.record_failure(session, email, client_ip, counters, now)
        return Refused(Unauthenticated(BAD_CREDENTIALS))
    if verified.new_hash:
        user.password_hash = verified.new_hash
    throttling.clear_account(session, email, counters)
    return user


def login(
    session: DbSession,
    ctx: CallContext,
    tokens: Tokens,
    *,
    email: str,
    password: str,
    tenant: str | None = None,
    client_ip: str | None = None,
) -> dict[str, Any] | Refused:
    user = authenticate(session, email, password, client_ip)
    if isinstance(user, Refused):
        return user
    chosen = _pick_membership(_memberships_of(session, user.id), tenant)
    scope_to_tenant(session, chosen.tenant_id)
    return tokens.open_session(
        session, user_id=user.id, tenant_id=chosen.tenant_id, role=chosen.role, now=utcnow(),
        client_ip=client_ip,
    )


def switch_tenant(
    session: DbSession, ctx: CallContext, tokens: Tokens, *, tenant: str, session_id: uuid.UUID
) -> dict[str, Any]:
    """A new session in another tenant of the same user (the current one stays open)."""
    _, user_id = caller_ids(ctx)
    current = session.scalar(
        select(Session).where(Session.id == as_uuid(session_id), Session.user_id == user_id)
    )
    if current is None or current.revoked_at is not None:
        raise Unauthenticated("This session has ended; sign in again.")
    if current.impersonator_id is not None:
        raise PermissionDenied("An impersonation is confined to its tenant and time box.")
    memberships = _memberships_of(session, user_id)
    wanted = tenant.lower()
    chosen = next((m for m in memberships if wanted in (str(m.tenant_id), m.slug)), None)
    if chosen is None:
        raise NotFound("No such tenant.")
    scope_to_tenant(session, chosen.tenant_id)
    return tokens.open_session(
        session, user_id=user_id, tenant_id=chosen.tenant_id, role=chosen.role, now=utcnow(),
    )
