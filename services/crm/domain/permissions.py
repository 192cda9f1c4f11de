"""Who may do what in CRM, by the caller's role in the tenant.

Viewers read; members create and edit; admins and owners also manage custom fields and
pipelines and delete. The role comes from the call context (the access token identity
signed, at most its TTL old: docs/adr/0011-crm-shape.md).
"""

from __future__ import annotations

from enum import Enum

from shared.call_context import CallContext
from shared.errors import PermissionDenied, Unauthenticated


class Action(Enum):
    READ = "read"
    WRITE = "write"
    MANAGE = "manage"


ALLOWED_ROLES = {
    Action.READ: frozenset({"owner", "admin", "member", "viewer"}),
    Action.WRITE: frozenset({"owner", "admin", "member"}),
    Action.MANAGE: frozenset({"owner", "admin"}),
}
REFUSALS = {
    Action.READ: "You are not a member of this tenant.",
    Action.WRITE: "Viewers can read CRM records but not change them.",
    Action.MANAGE: "Only owners and admins can do this.",
}


def may(roles: tuple[str, ...], action: Action) -> bool:
    return bool(ALLOWED_ROLES[action].intersection(roles))


def require(ctx: CallContext, action: Action) -> None:
    """Refuse the call unless a signed-in member of the tenant may do `action`."""
    if not ctx.tenant_id or not ctx.user_id:
        raise Unauthenticated("This call needs a signed-in user in a tenant.")
    if not may(ctx.roles, action):
        raise PermissionDenied(REFUSALS[action])
