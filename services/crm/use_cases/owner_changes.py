"""Changes to the owner side of many records at once: flagging a removed member's records,
reassigning a member's records to another (ADR 0018).

A member may own a large share of a 100k-record tenant, so the work goes in batches, one
transaction each: a batch locks its rows, changes them (new version, like any change) and
announces each one with its type's `updated` event, so a client's or a contact's timeline
shows it. Each batch re-reads what is still to do, so a pass that died part way is simply
run again. Won and lost deals keep their owner: they are history.

A reassignment runs inside an RPC, which the gateway gives up on after 10 s: one call does
a bounded amount of work (`Budget`) and says how many records remain; the caller repeats.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from services.crm.domain.permissions import Action
from services.crm.models import Client, Contact, Deal, Member
from services.crm.use_cases.common import caller
from services.crm.use_cases.members import check_owner
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.outbox import record_event, record_events

BATCH_SIZE = 500
# One reassignment call stops starting batches after either bound, well inside the
# gateway's 10 s RPC timeout; what is left stays for the next call.
MAX_BATCHES_PER_CALL = 20
SECONDS_PER_CALL = 4.0

Transaction = Callable[[], AbstractContextManager[Session]]
Owned = type[Client] | type[Contact] | type[Deal]


@dataclass(frozen=True)
class Kind:
    label: str
    model: Owned
    event_type: str
    id_field: str

    def owned_by(self, user_id: uuid.UUID) -> list[ColumnElement[bool]]:
        where = [self.model.owner_id == user_id]
        if self.model is Deal:
            where.append(Deal.status == "open")
        return where


KINDS = (Kind("clients", Client, "crm.client.updated", "client_id"),
         Kind("contacts", Contact, "crm.contact.updated", "contact_id"),
         Kind("deals", Deal, "crm.deal.updated", "deal_id"))


@dataclass
class Budget:
    """How much one call may still do: a number of batches, and seconds from its start (a
    batch under way finishes)."""

    batches: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.seconds

    def spend(self) -> None:
        self.batches -= 1

    def left(self, _session: Session | None = None) -> bool:
        return self.batches > 0 and self.clock() < self.deadline


def _batches(transaction: Transaction, kind: Kind, where: list[ColumnElement[bool]],
             size: int, pause: Callable[[], None],
             proceed: Callable[[Session], bool] = lambda _session: True,
             ) -> Iterator[tuple[Session, list[Any]]]:
    """(session, locked rows `(id, owner_flagged)`) per batch, in id order, each batch in
    its own transaction, until a batch comes back short or `proceed` says stop."""
    after: uuid.UUID | None = None
    while True:
        with transaction() as session:
            if not proceed(session):
                return
            stmt = select(kind.model.id, kind.model.owner_flagged).where(*where)
            if after is not None:
                stmt = stmt.where(kind.model.id > after)
            rows = list(session.execute(stmt.order_by(kind.model.id).limit(size)
                                        .with_for_update()).all())
            if rows:
                yield session, rows
        if len(rows) < size:
            return
        after = rows[-1].id
        pause()


def _change(session: Session, ctx: CallContext, kind: Kind, rows: list[Any],
            changed: Callable[[Any], list[str]], actor_id: uuid.UUID,
            **values: Any) -> int:
    """Apply `values` to the locked `rows` (a new version each) and announce each one."""
    model = kind.model
    was = {row.id: row for row in rows}
    updated = session.execute(
        update(model).where(model.id.in_(list(was)))
        .values(**values, version=model.version + 1, updated_at=utcnow())
        .returning(model.id, model.name, model.owner_id)
        .execution_options(synchronize_session=False)
    ).all()
    return record_events(session, ctx, kind.event_type, (
        {kind.id_field: row.id, "name": row.name, "changed": changed(was[row.id]),
         "owner_id": row.owner_id, "actor_id": actor_id}
        for row in sorted(updated, key=lambda r: r.id)))


def _still_removed(session: Session, *, user_id: uuid.UUID) -> bool:
    active = session.execute(
        select(Member.active).where(Member.user_id == user_id)).scalar_one_or_none()
    return active is False


def flag_records_of(transaction: Transaction, ctx: CallContext, user_id: uuid.UUID, *,
                    actor_id: uuid.UUID, pause: Callable[[], None] = lambda: None,
                    batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """A removed member's clients, contacts and open deals get `owner_flagged` (for an
    admin to reassign), each announced as updated by `actor_id` (who removed them).
    Stops as soon as the member is active again; safe to run again (flagged ones stay)."""
    still_removed = functools.partial(_still_removed, user_id=user_id)
    counts = {kind.label: 0 for kind in KINDS}
    for kind in KINDS:
        where = [*kind.owned_by(user_id), kind.model.owner_flagged.is_(False)]
        for session, rows in _batches(transaction, kind, where, batch_size, pause,
                                      still_removed):
            counts[kind.label] += _change(session, ctx, kind, rows,
                                          lambda _row: ["owner_flagged"], actor_id,
                                          owner_flagged=True)
    return counts


def reassign_records(transaction: Transaction, ctx: CallContext, *, from_user_id: uuid.UUID,
                     to_user_id: uuid.UUID, pause: Callable[[], None] = lambda: None,
                     batch_size: int = BATCH_SIZE, budget: Budget | None = None
                     ) -> dict[str, Any]:
    """Admins only; the new owner must be an active member. The clients, contacts and open
    deals of `from_user_id` (removed or not) move to `to_user_id` and lose their flag, each
    announced, as many as `budget` allows (clients first, then contacts, then deals); then
    one `crm.records.reassigned` sums up this call. Returns the counts moved and how many
    records `remaining` (0: done; else call again)."""
    user_id = caller(ctx, Action.MANAGE)
    if from_user_id == to_user_id:
        raise ValidationFailed("Nothing to reassign.",
                               {"to_user_id": ["Must be another member than from_user_id."]})
    with transaction() as session:
        to_user = check_owner(session, ctx, to_user_id, field="to_user_id")
    budget = budget or Budget(MAX_BATCHES_PER_CALL, SECONDS_PER_CALL)
    counts = {kind.label: 0 for kind in KINDS}
    for kind in KINDS:
        for session, rows in _batches(transaction, kind, kind.owned_by(from_user_id),
                                      batch_size, pause, budget.left):
            counts[kind.label] += _change(
                session, ctx, kind, rows,
                lambda row: ["owner_id", "owner_flagged"] if row.owner_flagged else ["owner_id"],
                user_id, owner_id=to_user, owner_flagged=False)
            budget.spend()
    summary = {"from_user_id": from_user_id, "to_user_id": to_user, **counts}
    with transaction() as session:
        if any(counts.values()):
            record_event(session, ctx, "crm.records.reassigned", {**summary,
                                                                  "actor_id": user_id})
        remaining = sum(_count(session, kind, from_user_id) for kind in KINDS)
    return {**summary, "remaining": remaining}


def _count(session: Session, kind: Kind, user_id: uuid.UUID) -> int:
    return int(session.execute(select(func.count()).select_from(kind.model)
                               .where(*kind.owned_by(user_id))).scalar_one())
