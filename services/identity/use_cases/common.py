"""What several use cases share: who the caller is in this tenant, and refusals that
must still commit (a failed login's throttle counters)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.orm import Session

from services.identity.models import Membership
from shared.call_context import CallContext
from shared.errors import BureauError, PermissionDenied, Unauthenticated


@dataclass(frozen=True)
class Refused:
    """A use case's refusal whose side effects (counters, a revoked session) must commit:
    the service commits the transaction, then raises `error`."""

    error: BureauError
    reason: str = "refused"
    """Why, in a word, for metrics (e.g. `refresh_token_reuse`)."""


def caller_ids(ctx: CallContext) -> tuple[uuid.UUID, uuid.UUID]:
    """The caller's tenant and user ids, for methods that need a tenant member."""
    if not ctx.tenant_id or not ctx.user_id:
        raise Unauthenticated("This call needs a signed-in user in a tenant.")
    return uuid.UUID(ctx.tenant_id), uuid.UUID(ctx.user_id)


@dataclass(frozen=True)
class Caller:
    """The caller as a member of the tenant in scope."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: str


CALLER_MEMBERSHIP = select(Membership.tenant_id, Membership.user_id, Membership.role).where(
    Membership.user_id == bindparam("caller_user_id", type_=Uuid())
)
"""Built once, the caller as a parameter: its compiled and tenant-scoped forms are reused."""


def caller_membership(session: Session, ctx: CallContext) -> Caller:
    """The caller's membership in the tenant in scope, read now (roles in tokens may be stale).

    Three columns, not a Membership object: every member-only call starts here.
    """
    _, user_id = caller_ids(ctx)
    row = session.execute(CALLER_MEMBERSHIP, {"caller_user_id": user_id}).first()
    if row is None:
        raise PermissionDenied("You are not a member of this tenant.")
    return Caller(*row)


def as_uuid(value: str | uuid.UUID) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
