"""The tenant's members as CRM knows them: a mirror of identity's, fed by its events.

CRM needs them to check that a record's owner is a member, and to show owners' names.
Each event applies once (the inbox), and an older event never overwrites a newer one
(`occurred_at` is compared), whatever order they arrive in.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.crm.models import Client, Contact, Deal, Member
from shared.call_context import CallContext
from shared.errors import NotFound, ValidationFailed


def record_member(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    occurred_at: datetime,
    role: str | None = None,
    active: bool = True,
    email: str | None = None,
    name: str | None = None,
) -> bool:
    """Upsert what an identity event says about one member, unless we know newer; whether
    it applied (False: a newer event was applied first, this one changes nothing)."""
    values: dict[str, Any] = {"role": role, "active": active, "updated_at": occurred_at}
    if email is not None:
        values["email"] = email
    if name is not None:
        values["name"] = name
    known = {k: v for k, v in values.items() if v is not None}
    stmt = insert(Member).values(
        tenant_id=tenant_id, user_id=user_id, email=email or "", name=name or "",
        role=role or "member", active=active, updated_at=occurred_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Member.tenant_id, Member.user_id],
        set_=known,
        where=Member.updated_at <= occurred_at,
    )
    return session.execute(stmt.returning(Member.user_id)).first() is not None


def check_owner(
    session: Session, ctx: CallContext, owner_id: Any, field: str = "owner_id"
) -> uuid.UUID:
    """`owner_id` if it names an active member of the tenant; the caller always qualifies
    (their token proves membership, even before identity's event reached us)."""
    owner = owner_id if isinstance(owner_id, uuid.UUID) else uuid.UUID(str(owner_id))
    if str(owner) == ctx.user_id:
        return owner
    active = session.execute(
        select(Member.active).where(Member.user_id == owner)
    ).scalar_one_or_none()
    if not active:
        raise ValidationFailed(
            "Unknown owner.", {field: ["Must be a member of your tenant."]}
        )
    return owner


def check_filter_user(session: Session, caller_id: Any, user_id: Any,
                      *held: ColumnElement[bool]) -> None:
    """A user id a list is filtered by (`owner_id`, a user field) names someone the tenant
    knows, else NotFound, as a foreign client id in a filter is: the caller, a member in
    the mirror (a removed one too: their records stay theirs until reassigned), or someone
    a record already holds (any of `held`: identity's event may not have reached crm yet,
    and records are only given members). Another tenant's user, or an id never seen, is none
    of these; an empty page would read as "nothing yet". One statement, one round trip."""
    if user_id is None or str(user_id) == str(caller_id):
        return
    known = or_(exists().where(Member.user_id == user_id), *(exists().where(h) for h in held))
    if not session.execute(select(known)).scalar_one():
        raise NotFound("No such user in your tenant.")


def check_owner_filter(session: Session, caller_id: Any, owner_id: Any) -> None:
    """`check_filter_user` for an `owner_id` filter: held as the owner of any record."""
    check_filter_user(session, caller_id, owner_id, Client.owner_id == owner_id,
                      Contact.owner_id == owner_id, Deal.owner_id == owner_id)


def owner_names(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of owners for a page of records (one query)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Member.user_id, Member.name).where(Member.user_id.in_(user_ids))
    ).all()
    return {user_id: name for user_id, name in rows}

