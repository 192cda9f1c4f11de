"""Opening sessions and issuing token pairs: where keys, settings and sessions meet."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session as DbSession

from services.identity.domain.access_tokens import Subject, issue_access_token
from services.identity.domain.refresh_tokens import RefreshToken, new_refresh_token
from services.identity.keys import KeyRing
from services.identity.models import Session
from services.identity.settings import IdentitySettings


class Tokens:
    def __init__(self, settings: IdentitySettings, keyring: KeyRing | None = None) -> None:
        self.settings = settings
        self.keyring = keyring or KeyRing(settings)

    def pair(
        self,
        db: DbSession,
        subject: Subject,
        refresh: RefreshToken,
        session_ends_at: datetime | None = None,
    ) -> dict[str, Any]:
        """An access token (never outliving its session) and the refresh token."""
        signer = self.keyring.signer(db)
        settings = self.settings.tokens
        if session_ends_at is not None:
            left = session_ends_at - datetime.now(session_ends_at.tzinfo)
            settings = replace(settings, ttl=max(timedelta(0), min(settings.ttl, left)))
        access = issue_access_token(subject, signer.private_key, signer.kid, settings)
        return {
            "access_token": access,
            "refresh_token": refresh.encode(),
            "token_type": "Bearer",
            "expires_in": int(settings.ttl.total_seconds()),
            "tenant_id": str(subject.tenant_id),
        }

    def open_session(
        self,
        db: DbSession,
        *,
        user_id: uuid.UUID,
        tenant_id: uuid.UUID,
        role: str,
        now: datetime,
        client_ip: str | None = None,
        impersonator_id: uuid.UUID | None = None,
        impersonation_reason: str | None = None,
        ttl: timedelta | None = None,
    ) -> dict[str, Any]:
        """A new refresh session in `tenant_id` (which must be the db session's scope)."""
        session_id = uuid.uuid4()
        refresh = new_refresh_token(tenant_id, session_id, 1)
        expires_at = now + (ttl or self.settings.refresh_ttl)
        db.add(
            Session(
                id=session_id,
                tenant_id=tenant_id,
                user_id=user_id,
                generation=1,
                token_hash=refresh.secret_hash,
                expires_at=expires_at,
                client_ip=client_ip,
                impersonator_id=impersonator_id,
                impersonation_reason=impersonation_reason,
            )
        )
        subject = Subject(user_id, tenant_id, role, session_id, impersonator_id)
        return self.pair(db, subject, refresh, expires_at)
