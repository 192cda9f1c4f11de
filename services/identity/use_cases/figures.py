"""The figures of identity's dashboard page for a tenant's owners and admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import invitations as rules
from services.identity.domain import roles
from services.identity.models import Invitation, Membership, Session
from services.identity.use_cases.common import caller_membership
from shared.call_context import CallContext
from shared.db import utcnow

RECENT = timedelta(days=7)


def tenant_figures(session: DbSession, ctx: CallContext) -> dict[str, Any]:
    """Members by role, pending invitations, live sessions, sign-ins of the last 7 days."""
    roles.require_manager(caller_membership(session, ctx).role)
    now = utcnow()
    by_role = dict(
        session.execute(select(Membership.role, func.count()).group_by(Membership.role)).all()
    )
    pending = session.scalar(
        select(func.count()).select_from(Invitation).where(
            Invitation.status == rules.PENDING, Invitation.expires_at > now
        )
    )
    live, recent = session.execute(
        select(
            func.count().filter(and_(Session.revoked_at.is_(None), Session.expires_at > now)),
            func.count().filter(Session.created_at > now - RECENT),
        ).select_from(Session)
    ).one()
    return {
        "members": {role: int(by_role.get(role, 0)) for role in roles.ROLES},
        "pending_invitations": int(pending or 0),
        "active_sessions": int(live),
        "sign_ins_last_7_days": int(recent),
    }
