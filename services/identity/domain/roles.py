"""Who may do what to whom inside a tenant, and the rule that a tenant always keeps an owner.

owner > admin > member > viewer. Owners and admins manage members and invitations; only an
owner grants, takes or removes `owner`. Anyone may leave, but never the last owner.
"""

from __future__ import annotations

from shared.errors import PermissionDenied, Unprocessable

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
VIEWER = "viewer"
ROLES = (OWNER, ADMIN, MEMBER, VIEWER)
MANAGERS = (OWNER, ADMIN)

SUPPORT = "support"
PLATFORM_ROLES = (SUPPORT,)


def require_manager(actor_role: str) -> None:
    if actor_role not in MANAGERS:
        raise PermissionDenied("Only an owner or an admin may manage members.")


def check_invite(actor_role: str, invited_role: str) -> None:
    require_manager(actor_role)
    if invited_role == OWNER and actor_role != OWNER:
        raise PermissionDenied("Only an owner may invite an owner.")


def check_role_change(actor_role: str, current_role: str, new_role: str, owners: int) -> None:
    """`owners` is how many owners the tenant has now."""
    require_manager(actor_role)
    if OWNER in (current_role, new_role) and actor_role != OWNER:
        raise PermissionDenied("Only an owner may grant or take the owner role.")
    if current_role == OWNER and new_role != OWNER and owners <= 1:
        raise Unprocessable("The last owner cannot be demoted; make someone else owner first.")


def check_removal(actor_role: str, target_role: str, owners: int, *, is_self: bool) -> None:
    if not is_self:
        require_manager(actor_role)
        if target_role == OWNER and actor_role != OWNER:
            raise PermissionDenied("Only an owner may remove an owner.")
    if target_role == OWNER and owners <= 1:
        raise Unprocessable("The last owner cannot leave; make someone else owner first.")
