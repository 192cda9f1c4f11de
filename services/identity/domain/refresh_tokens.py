"""Refresh tokens: opaque, one use each, and a reused one gives the session away.

A token names its tenant, session and generation. Each refresh moves the session to the
next generation with a new secret. A token of an earlier generation can only come from a
copy (the legitimate client already holds the newer one), so it revokes the whole
session: the thief and the victim both have to log in again (OAuth 2.0 Security BCP 4.14).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from services.identity.domain import opaque_tokens
from services.identity.domain.opaque_tokens import InvalidToken

TTL = timedelta(days=30)


@dataclass(frozen=True)
class RefreshToken:
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    generation: int
    secret: str

    def encode(self) -> str:
        return opaque_tokens.encode(
            str(self.tenant_id), str(self.session_id), str(self.generation), self.secret
        )

    @property
    def secret_hash(self) -> str:
        return opaque_tokens.hash_secret(self.secret)


def new_refresh_token(tenant_id: uuid.UUID, session_id: uuid.UUID, generation: int) -> RefreshToken:
    return RefreshToken(tenant_id, session_id, generation, opaque_tokens.new_secret())


def parse_refresh_token(token: str) -> RefreshToken:
    tenant, session, generation, secret = opaque_tokens.decode(token, 4)
    if not generation.isdigit():
        raise InvalidToken("Invalid token.")
    return RefreshToken(
        opaque_tokens.parse_uuid(tenant),
        opaque_tokens.parse_uuid(session),
        int(generation),
        secret,
    )


class Verdict(Enum):
    ROTATE = "rotate"
    """The current token: issue the next generation."""
    REUSED = "reused"
    """An earlier generation presented again: revoke the session."""
    REFUSED = "refused"
    """Wrong secret, revoked or expired session: refuse, change nothing."""


@dataclass(frozen=True)
class SessionState:
    generation: int
    token_hash: str
    expires_at: datetime
    revoked: bool


def judge(presented: RefreshToken, session: SessionState, now: datetime) -> Verdict:
    if session.revoked or now >= session.expires_at:
        return Verdict.REFUSED
    if presented.generation < session.generation:
        return Verdict.REUSED
    if presented.generation == session.generation and opaque_tokens.secret_matches(
        presented.secret, session.token_hash
    ):
        return Verdict.ROTATE
    return Verdict.REFUSED
