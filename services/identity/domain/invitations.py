"""Invitations: a token sent to an email address that lets its owner join a tenant.

The token names its tenant and invitation; only a hash of its secret is stored. It is good
for seven days, once, while not revoked. An existing user proves who they are with their
password; a new user chooses a password and a name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.identity.domain import opaque_tokens
from shared.errors import Unprocessable, ValidationFailed

TTL = timedelta(days=7)

PENDING = "pending"
ACCEPTED = "accepted"
REVOKED = "revoked"
EXPIRED = "expired"
STATUSES = (PENDING, ACCEPTED, REVOKED, EXPIRED)


@dataclass(frozen=True)
class InvitationToken:
    tenant_id: uuid.UUID
    invitation_id: uuid.UUID
    secret: str

    def encode(self) -> str:
        return opaque_tokens.encode(str(self.tenant_id), str(self.invitation_id), self.secret)

    @property
    def secret_hash(self) -> str:
        return opaque_tokens.hash_secret(self.secret)


def new_invitation_token(tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> InvitationToken:
    return InvitationToken(tenant_id, invitation_id, opaque_tokens.new_secret())


def parse_invitation_token(token: str) -> InvitationToken:
    tenant, invitation, secret = opaque_tokens.decode(token, 3)
    return InvitationToken(
        opaque_tokens.parse_uuid(tenant), opaque_tokens.parse_uuid(invitation), secret
    )


def effective_status(stored_status: str, expires_at: datetime, now: datetime) -> str:
    """A pending invitation past its expiry is expired, whether or not the row says so yet."""
    if stored_status == PENDING and now >= expires_at:
        return EXPIRED
    return stored_status


def check_acceptable(status: str) -> None:
    if status != PENDING:
        raise Unprocessable(f"This invitation is {status}; ask for a new one.")


def check_new_user_details(password: str | None, name: str | None) -> None:
    errors = {}
    if not password:
        errors["password"] = ["A new user must choose a password."]
    if not name:
        errors["name"] = ["A new user must give a name."]
    if errors:
        raise ValidationFailed("Missing details for the new user.", errors)
