"""Support staff open a time-boxed session as a tenant's user, giving a reason."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session as DbSession

from services.identity.domain import impersonation
from services.identity.models import Membership, Tenant, User
from services.identity.tokens import Tokens
from services.identity.use_cases.common import Refused, as_uuid
from services.identity.use_cases.sign_in import authenticate
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import NotFound
from shared.outbox import record_event
from shared.tenancy import scope_to_tenant, scope_to_user


def _tenant_by_reference(session: DbSession, reference: str) -> Tenant | None:
    try:
        by_id = uuid.UUID(reference)
    except ValueError:
        return session.scalar(select(Tenant).where(Tenant.slug == reference.lower()))
    return session.scalar(
        select(Tenant).where(or_(Tenant.id == by_id, Tenant.slug == reference.lower()))
    )


def impersonate(
    session: DbSession,
    ctx: CallContext,
    tokens: Tokens,
    *,
    email: str,
    password: str,
    tenant: str,
    user_id: uuid.UUID,
    reason: str,
    minutes: int = impersonation.DEFAULT_MINUTES,
    client_ip: str | None = None,
) -> dict[str, Any] | Refused:
    """A token pair for `user_id` in `tenant`, naming the support person; no longer than
    the time box, even through refreshes."""
    staff = authenticate(session, email, password, client_ip)
    if isinstance(staff, Refused):
        return staff
    impersonation.check_may_impersonate(staff.platform_role, None)
    target_tenant = _tenant_by_reference(session, tenant)
    if target_tenant is None:
        raise NotFound("No such tenant.")
    scope_to_tenant(session, target_tenant.id)
    scope_to_user(session, staff.id)
    row = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == as_uuid(user_id))
    ).first()
    if row is None:
        raise NotFound("No such user.")
    target, role = row
    impersonation.check_may_impersonate(staff.platform_role, target.platform_role)
    now = utcnow()
    box = impersonation.time_box(minutes)
    pair = tokens.open_session(
        session, user_id=target.id, tenant_id=target_tenant.id, role=role, now=now,
        client_ip=client_ip, impersonator_id=staff.id, impersonation_reason=reason, ttl=box,
    )
    record_event(
        session, ctx.with_tenant(str(target_tenant.id)), "identity.impersonation.started",
        {"support_user_id": staff.id, "user_id": target.id, "reason": reason,
         "expires_at": now + box},
        tenant_id=target_tenant.id,
    )
    return pair
