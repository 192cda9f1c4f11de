"""The caller's tenant: reading it, renaming it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from services.identity.domain import roles
from services.identity.models import Tenant
from services.identity.use_cases.common import caller_ids, caller_membership
from services.identity.use_cases.views import tenant_view
from shared.call_context import CallContext
from shared.db import check_version
from shared.errors import NotFound


def _tenant(session: DbSession, ctx: CallContext) -> Tenant:
    tenant_id, _ = caller_ids(ctx)
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant


def get_tenant(session: DbSession, ctx: CallContext) -> dict[str, Any]:
    caller_membership(session, ctx)
    return tenant_view(_tenant(session, ctx))


def update_tenant(
    session: DbSession, ctx: CallContext, *, name: str, expected_version: int | None = None
) -> dict[str, Any]:
    roles.require_manager(caller_membership(session, ctx).role)
    tenant = _tenant(session, ctx)
    check_version(tenant, expected_version)
    if tenant.name != name:
        tenant.name = name
        session.flush()
    return tenant_view(tenant)
