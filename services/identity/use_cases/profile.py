"""Who the caller is: their user, their tenant and their role in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.orm import Session as DbSession

from services.identity.models import Membership, Tenant, User
from services.identity.use_cases.common import caller_ids
from services.identity.use_cases.views import me_view
from shared.call_context import CallContext
from shared.errors import PermissionDenied

ME = (
    select(User, Tenant, Membership.role)
    .join(Membership, Membership.user_id == User.id)
    .join(Tenant, Tenant.id == Membership.tenant_id)
    .where(User.id == bindparam("me_user_id", type_=Uuid()))
    .where(Tenant.id == bindparam("me_tenant_id", type_=Uuid()))
)
"""Built once (the caller as parameters): SQLAlchemy and the tenant filter reuse its forms."""


def me(session: DbSession, ctx: CallContext) -> dict[str, Any]:
    tenant_id, user_id = caller_ids(ctx)
    row = session.execute(ME, {"me_user_id": user_id, "me_tenant_id": tenant_id}).first()
    if row is None:
        raise PermissionDenied("You are not a member of this tenant.")
    user, tenant, role = row
    return me_view(user, tenant, role, ctx.impersonator_id)
