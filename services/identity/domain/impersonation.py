"""Support staff acting as a user: only with a reason, only for a while, never as staff.

The session it opens names both people (`imp` in every access token, `impersonator_id`
in the call context), so everything done under it records who really did it.
"""

from __future__ import annotations

from datetime import timedelta

from services.identity.domain.roles import SUPPORT
from shared.errors import PermissionDenied

DEFAULT_MINUTES = 30
MAX_MINUTES = 60
REASON_MIN, REASON_MAX = 10, 500


def check_may_impersonate(actor_role: str | None, target_role: str | None) -> None:
    """Roles are platform roles (`users.platform_role`), not tenant roles."""
    if actor_role != SUPPORT:
        raise PermissionDenied("Only support staff may act as another user.")
    if target_role == SUPPORT:
        raise PermissionDenied("Support staff cannot act as other support staff.")


def time_box(minutes: int) -> timedelta:
    return timedelta(minutes=max(1, min(minutes, MAX_MINUTES)))
