"""Refresh sessions: rotation with reuse detection, logout, and the keys that verify tokens."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain.access_tokens import Subject
from services.identity.domain.opaque_tokens import InvalidToken
from services.identity.domain.refresh_tokens import (
    SessionState,
    Verdict,
    judge,
    new_refresh_token,
    parse_refresh_token,
)
from services.identity.models import Membership, Session
from services.identity.tokens import Tokens
from services.identity.use_cases.common import Refused, as_uuid, caller_ids
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import NotFound
from shared.tenancy import scope_to_tenant


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
        return Refused(InvalidToken("Invalid token."), reason=stored.revoked_reason)
    following = new_refresh_token(presented.tenant_id, stored.id, stored.generation + 1)
    stored.generation = following.generation
    stored.token_hash = following.secret_hash
    stored.last_used_at = now
    subject = Subject(stored.user_id, stored.tenant_id, role, stored.id, stored.impersonator_id)
    return tokens.pair(session, subject, following, stored.expires_at)


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


def jwks(session: DbSession, ctx: CallContext, tokens: Tokens) -> dict[str, Any]:
    return tokens.keyring.jwks(session)
