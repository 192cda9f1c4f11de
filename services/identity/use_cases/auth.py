"""Signing up, in and out: sessions, token pairs and the public keys that verify them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import passwords, roles, slugs
from services.identity.domain.access_tokens import Subject
from services.identity.domain.opaque_tokens import InvalidToken
from services.identity.domain.refresh_tokens import (
    SessionState,
    Verdict,
    judge,
    new_refresh_token,
    parse_refresh_token,
)
from services.identity.models import Membership, Session, Tenant, User
from services.identity.tokens import Tokens
from services.identity.use_cases import throttling
from services.identity.use_cases.common import Refused, as_uuid, caller_ids
from services.identity.use_cases.views import me_view
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import Conflict, NotFound, PermissionDenied, Unauthenticated, ValidationFailed
from shared.outbox import record_event
from shared.tenancy import scope_to_tenant, scope_to_user

BAD_CREDENTIALS = "Invalid email or password."


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
    taken = session.scalars(
        select(Tenant.slug).where(Tenant.slug.like(base + "%"))
    ).all()
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


def refresh(
    session: DbSession, ctx: CallContext, tokens: Tokens, *, refresh_token: str
) -> dict[str, Any] | Refused:
    """Rotate: a new pair for the current token; a reused one revokes the whole session."""
    now = utcnow()
    presented = parse_refresh_token(refresh_token)
    scope_to_tenant(session, presented.tenant_id)
    row = session.execute(
        select(Session, Membership.role)
        .outerjoin(
            Membership,
            (Membership.tenant_id == Session.tenant_id) & (Membership.user_id == Session.user_id),
        )
        .where(Session.id == presented.session_id)
        .with_for_update(of=Session)
    ).first()
    if row is None:
        raise InvalidToken("Invalid token.")
    stored, role = row
    state = SessionState(stored.generation, stored.token_hash, stored.expires_at,
                         stored.revoked_at is not None)
    verdict = judge(presented, state, now)
    if verdict is Verdict.REFUSED:
        raise InvalidToken("Invalid token.")
    if verdict is Verdict.REUSED or role is None:
        stored.revoked_at = now
        reused = verdict is Verdict.REUSED
        stored.revoked_reason = "refresh_token_reuse" if reused else "membership_ended"
        return Refused(InvalidToken("Invalid token."))
    following = new_refresh_token(presented.tenant_id, stored.id, stored.generation + 1)
    stored.generation = following.generation
    stored.token_hash = following.secret_hash
    stored.last_used_at = now
    subject = Subject(stored.user_id, stored.tenant_id, role, stored.id, stored.impersonator_id)
    return tokens.pair(session, subject, following)


def logout(session: DbSession, ctx: CallContext, *, session_id: uuid.UUID) -> None:
    """End one of the caller's sessions; ending it again changes nothing."""
    _, user_id = caller_ids(ctx)
    stored = session.scalar(
        select(Session).where(Session.id == as_uuid(session_id), Session.user_id == user_id)
    )
    if stored is None:
        raise NotFound("No such session.")
    if stored.revoked_at is None:
        stored.revoked_at = utcnow()
        stored.revoked_reason = "logout"


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
    memberships = _memberships_of(session, user_id)
    wanted = tenant.lower()
    chosen = next((m for m in memberships if wanted in (str(m.tenant_id), m.slug)), None)
    if chosen is None:
        raise NotFound("No such tenant.")
    scope_to_tenant(session, chosen.tenant_id)
    return tokens.open_session(
        session, user_id=user_id, tenant_id=chosen.tenant_id, role=chosen.role, now=utcnow(),
        impersonator_id=current.impersonator_id,
    )


def me(session: DbSession, ctx: CallContext) -> dict[str, Any]:
    tenant_id, user_id = caller_ids(ctx)
    row = session.execute(
        select(User, Tenant, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .join(Tenant, Tenant.id == Membership.tenant_id)
        .where(User.id == user_id, Tenant.id == tenant_id)
    ).first()
    if row is None:
        raise PermissionDenied("You are not a member of this tenant.")
    user, tenant, role = row
    return me_view(user, tenant, role, ctx.impersonator_id)


def jwks(session: DbSession, ctx: CallContext, tokens: Tokens) -> dict[str, Any]:
    return tokens.keyring.jwks(session)
