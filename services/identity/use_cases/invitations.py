"""Invitations: owners and admins invite by email; the invitee accepts with the token."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import invitations as rules
from services.identity.domain import passwords, roles
from services.identity.domain.opaque_tokens import secret_matches
from services.identity.models import Invitation, Membership, User
from services.identity.tokens import Tokens
from services.identity.use_cases.common import Refused, as_uuid, caller_membership
from services.identity.use_cases.sign_in import authenticate
from services.identity.use_cases.views import invitation_view
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate
from shared.tenancy import scope_to_tenant, scope_to_user


def create_invitation(
    session: DbSession, ctx: CallContext, *, email: str, role: str
) -> dict[str, Any]:
    actor = caller_membership(session, ctx)
    roles.check_invite(actor.role, role)
    now = utcnow()
    member = session.scalar(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(User.email == email)
    )
    if member is not None:
        raise Conflict("This person is already a member.")
    session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.status == rules.PENDING)
        .where(Invitation.expires_at <= now)
        .values(status=rules.EXPIRED, version=Invitation.version + 1)
        .execution_options(synchronize_session=False)
    )
    pending = session.scalar(
        select(Invitation.id).where(Invitation.email == email, Invitation.status == rules.PENDING)
    )
    if pending is not None:
        raise Conflict("A pending invitation for this email exists; revoke it first.")
    invitation_id = uuid.uuid4()
    token = rules.new_invitation_token(actor.tenant_id, invitation_id)
    invitation = Invitation(
        id=invitation_id, email=email, role=role, token_hash=token.secret_hash,
        status=rules.PENDING, expires_at=now + rules.TTL, invited_by=actor.user_id,
    )
    session.add(invitation)
    session.flush()
    record_event(
        session, ctx, "identity.invitation.created",
        {"invitation_id": invitation.id, "email": email, "role": role,
         "invited_by": actor.user_id, "expires_at": invitation.expires_at},
    )
    return {**invitation_view(invitation, now), "token": token.encode()}


def _status_filter(status: str, now: Any) -> Any:
    if status == rules.PENDING:
        return and_(Invitation.status == rules.PENDING, Invitation.expires_at > now)
    if status == rules.EXPIRED:
        return or_(
            Invitation.status == rules.EXPIRED,
            and_(Invitation.status == rules.PENDING, Invitation.expires_at <= now),
        )
    return Invitation.status == status


def list_invitations(
    session: DbSession,
    ctx: CallContext,
    *,
    limit: int = 25,
    cursor: str | None = None,
    include_total: bool = False,
    status: str | None = None,
) -> dict[str, Any]:
    roles.require_manager(caller_membership(session, ctx).role)
    now = utcnow()
    request = PageRequest.parse(
        collection="identity.invitations", sorts={"created_at": Invitation.created_at},
        tiebreaker=Invitation.id, sort="-created_at", limit=limit, cursor=cursor,
        include_total=include_total,
    )
    stmt = select(Invitation)
    if status:
        stmt = stmt.where(_status_filter(status, now))
    return paginate(session, stmt, request, lambda inv: invitation_view(inv, now))


def _invitation(session: DbSession, invitation_id: uuid.UUID, lock: bool = False) -> Invitation:
    stmt = select(Invitation).where(Invitation.id == as_uuid(invitation_id))
    invitation = session.scalar(stmt.with_for_update() if lock else stmt)
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def get_invitation(
    session: DbSession, ctx: CallContext, *, invitation_id: uuid.UUID
) -> dict[str, Any]:
    roles.require_manager(caller_membership(session, ctx).role)
    return invitation_view(_invitation(session, invitation_id), utcnow())


def revoke_invitation(session: DbSession, ctx: CallContext, *, invitation_id: uuid.UUID) -> None:
    """Revoke a pending invitation; revoking twice (or after expiry) changes nothing."""
    roles.require_manager(caller_membership(session, ctx).role)
    invitation = _invitation(session, invitation_id, lock=True)
    status = rules.effective_status(invitation.status, invitation.expires_at, utcnow())
    if status == rules.ACCEPTED:
        raise Unprocessable("This invitation was accepted; remove the member instead.")
    if status == rules.PENDING:
        invitation.status = rules.REVOKED


def accept_invitation(
    session: DbSession,
    ctx: CallContext,
    tokens: Tokens,
    *,
    token: str,
    password: str | None = None,
    name: str | None = None,
    client_ip: str | None = None,
) -> dict[str, Any] | Refused:
    """Join the tenant: an existing user proves it with their password, a new one signs up."""
    now = utcnow()
    presented = rules.parse_invitation_token(token)
    scope_to_tenant(session, presented.tenant_id)
    invitation = session.scalar(
        select(Invitation).where(Invitation.id == presented.invitation_id).with_for_update()
    )
    if invitation is None or not secret_matches(presented.secret, invitation.token_hash):
        raise NotFound("No such invitation.")
    rules.check_acceptable(rules.effective_status(invitation.status, invitation.expires_at, now))
    user = session.scalar(select(User).where(User.email == invitation.email))
    if user is not None:
        if not password:
            raise ValidationFailed(
                "Sign in to accept.", {"password": ["Give the password of your account."]}
            )
        found = authenticate(session, invitation.email, password, client_ip)
        if isinstance(found, Refused):
            return found
        scope_to_user(session, user.id)
        if session.scalar(select(Membership.user_id).where(Membership.user_id == user.id)):
            raise Conflict("You are already a member of this tenant.")
    else:
        rules.check_new_user_details(password, name)
        assert password is not None and name is not None
        user = User(id=uuid.uuid4(), email=invitation.email, name=name,
                    password_hash=passwords.hash_password(password))
        session.add(user)
        session.flush()
        scope_to_user(session, user.id)
    session.add(Membership(tenant_id=presented.tenant_id, user_id=user.id, role=invitation.role))
    invitation.status = rules.ACCEPTED
    invitation.accepted_by = user.id
    record_event(
        session, ctx, "identity.member.joined",
        {"user_id": user.id, "email": user.email, "name": user.name, "role": invitation.role,
         "via": "invitation", "invitation_id": invitation.id},
        tenant_id=presented.tenant_id,
    )
    return tokens.open_session(
        session, user_id=user.id, tenant_id=presented.tenant_id, role=invitation.role, now=now,
        client_ip=client_ip,
    )
