"""Housekeeping: throttle counters whose window has closed are forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.identity.domain import throttle
from services.identity.models import LoginFailure
from shared.db import utcnow


def purge_login_failures(session: Session, now: datetime | None = None) -> int:
    """Delete counters no policy still looks at; returns how many went."""
    now = now or utcnow()
    cutoff = now - max(policy.window for policy in throttle.POLICIES.values())
    result = session.execute(
        delete(LoginFailure)
        .where(LoginFailure.window_started_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
