"""A tenant's members: listing them, changing their role, removing them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, String, Uuid, bindparam, func, or_, select, update
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased, contains_eager

from services.identity.domain import roles
from services.identity.models import Membership, Session, User
from services.identity.use_cases.common import as_uuid, caller_ids, caller_membership
from services.identity.use_cases.views import user_view
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import NotFound, PermissionDenied
from shared.json_ready import sql_uuid
from shared.list_queries import ListQuery
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

USER_SORTS = {
    "created_at": Membership.created_at,  # when they joined this tenant
    "email": User.email,
    "name": User.name,
}


USER_COLUMNS = (
    sql_uuid(Membership.user_id).label("id"),  # = users.id; the page reuses it as its tie
    User.email,
    User.name,
    Membership.role,
    Membership.created_at.label("joined_at"),
    User.created_at,
    func.greatest(User.updated_at, Membership.updated_at).label("updated_at"),
    Membership.version,
)
"""A member as the contract's user shape, straight from one row, the id already text: the
list's hot path (rows as dicts cost about half of loading Membership and User objects)."""


def _members() -> Select[Any]:
    return select(Membership).join(Membership.user).options(contains_eager(Membership.user))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"


CALLER_ROLE = "caller_role"


_CALLER = aliased(Membership, name="caller")
CALLER_ROLE_COLUMN = (
    select(_CALLER.role)
    .where(_CALLER.user_id == bindparam("caller_user_id", type_=Uuid()))
    .scalar_subquery()
    .label(CALLER_ROLE)
)
"""The caller's role in the tenant in scope, as a column of the page: the membership check
costs no round trip of its own. Read on every call, like caller_membership; the tenant
filter applies to this subquery too, so a membership in another firm does not count.
Built once (an alias per call cost ~0.4 ms of CPU); the caller arrives as a parameter."""


MEMBERS = ListQuery(
    lambda: select(*USER_COLUMNS, CALLER_ROLE_COLUMN).join_from(
        Membership, User, Membership.user_id == User.id),
    {
        "role": Membership.role.__eq__,
        "q": lambda pattern: or_(User.email.ilike(pattern), User.name.ilike(pattern)),
    },
    types={"q": String()},
)
"""The members page, one statement per set of filters (ADR 0023); the caller's role
rides along as CALLER_ROLE_COLUMN."""


def list_users(
    session: DbSession,
    ctx: CallContext,
    *,
    limit: int = 25,
    cursor: str | None = None,
    include_total: bool = False,
    role: str | None = None,
    q: str | None = None,
    sort: str = "created_at",
) -> dict[str, Any]:
    _, user_id = caller_ids(ctx)
    request = PageRequest.parse(
        collection="identity.users", sorts=USER_SORTS, tiebreaker=Membership.user_id,
        sort=sort, limit=limit, cursor=cursor, include_total=include_total,
    )
    stmt, params = MEMBERS.statement({"role": role or None, "q": _like(q) if q else None})
    page = paginate(session, stmt, request, dict, {**params, "caller_user_id": user_id})
    caller_role = None
    for row in page["data"]:
        caller_role = row.pop(CALLER_ROLE)
    if not page["data"]:  # an empty page says nothing about the caller: ask
        caller_role = caller_membership(session, ctx).role
    if caller_role is None:
        raise PermissionDenied("You are not a member of this tenant.")
    return page


def _member(session: DbSession, user_id: uuid.UUID, *, lock: bool = False) -> Membership:
    stmt = _members().where(Membership.user_id == as_uuid(user_id))
    if lock:
        stmt = stmt.with_for_update(of=Membership)
    membership = session.scalar(stmt)
    if membership is None:
        raise NotFound("No such user.")
    return membership


def _owner_count(session: DbSession) -> int:
    """Owners of the tenant, locked: two owners demoting each other cannot both succeed."""
    owners = session.scalars(
        select(Membership.user_id).where(Membership.role == roles.OWNER).with_for_update()
    ).all()
    return len(owners)


def get_user(session: DbSession, ctx: CallContext, *, user_id: uuid.UUID) -> dict[str, Any]:
    caller_membership(session, ctx)
    return user_view(_member(session, user_id))


def change_role(
    session: DbSession,
    ctx: CallContext,
    *,
    user_id: uuid.UUID,
    role: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    actor = caller_membership(session, ctx)
    roles.require_manager(actor.role)
    target = _member(session, user_id, lock=True)
    check_version(target, expected_version)
    if target.role == role:
        return user_view(target)
    roles.check_role_change(actor.role, target.role, role, _owner_count(session))
    old_role, target.role = target.role, role
    session.flush()
    record_event(
        session, ctx, "identity.member.role_changed",
        {"user_id": target.user_id, "old_role": old_role, "new_role": role,
         "changed_by": actor.user_id},
    )
    return user_view(target)


def remove_member(session: DbSession, ctx: CallContext, *, user_id: uuid.UUID) -> None:
    """Remove someone from the tenant (or leave it) and end their sessions in it."""
    _, caller_id = caller_ids(ctx)
    actor = caller_membership(session, ctx)
    target = _member(session, user_id, lock=True)
    roles.check_removal(
        actor.role, target.role, _owner_count(session), is_self=target.user_id == caller_id
    )
    session.delete(target)
    session.execute(
        update(Session)
        .where(Session.user_id == target.user_id, Session.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason="member_removed")
        .execution_options(synchronize_session=False)
    )
    record_event(
        session, ctx, "identity.member.removed",
        {"user_id": target.user_id, "role": target.role, "removed_by": actor.user_id},
    )
