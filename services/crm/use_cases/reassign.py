"""Reassigning every record of one member (removed or not) to another, in one call.

Clients, contacts and open deals (won and lost deals keep their owner: history) move to
the new owner and lose their `owner_flagged`. The deals table is updated here in plain
SQL, beside the deal code (which stays the deals area's).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from services.crm.domain.permissions import Action
from services.crm.models import Client, Contact, Deal
from services.crm.use_cases.common import caller
from services.crm.use_cases.members import check_owner
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.outbox import record_event


def reassign_records(session: Session, ctx: CallContext, *, from_user_id: uuid.UUID,
                     to_user_id: uuid.UUID) -> dict[str, Any]:
    """Admins only; the new owner must be an active member. Returns the counts moved."""
    user_id = caller(ctx, Action.MANAGE)
    if from_user_id == to_user_id:
        raise ValidationFailed("Nothing to reassign.",
                               {"to_user_id": ["Must be another member than from_user_id."]})
    to_user = check_owner(session, ctx, to_user_id, field="to_user_id")
    now = utcnow()
    counts: dict[str, int] = {}
    for label, model, extra in (("clients", Client, ()), ("contacts", Contact, ()),
                                ("deals", Deal, (Deal.status == "open",))):
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(model)
            .where(model.owner_id == from_user_id, *extra)
            .values(owner_id=to_user, owner_flagged=False, version=model.version + 1,
                    updated_at=now)
            .execution_options(synchronize_session=False))
        counts[label] = result.rowcount
    record_event(session, ctx, "crm.records.reassigned", {
        "from_user_id": from_user_id, "to_user_id": to_user, **counts, "actor_id": user_id})
    return {"from_user_id": from_user_id, "to_user_id": to_user, **counts}
