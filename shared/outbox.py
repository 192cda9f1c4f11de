"""Record an event in the same transaction as the change it announces.

The row is the event's envelope (ARCHITECTURE.md): `{id, type, version, tenant_id,
occurred_at, producer, correlation_id, data}`. The relay (shared/outbox_relay.py)
publishes it after commit; if the transaction rolls back, the event never existed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from shared import event_schemas
from shared.call_context import CallContext
from shared.db import utcnow
from shared.platform_tables import outbox

_DIRTY = "bureau_outbox_dirty"
_commit_listeners: list[Callable[[], None]] = []


def record_event(
    session: Session,
    ctx: CallContext,
    event_type: str,
    data: dict[str, Any],
    *,
    tenant_id: Any = None,
    version: int = 1,
) -> dict[str, Any]:
    """Add the event to the outbox in `session`'s transaction; returns the envelope."""
    row = _outbox_row(ctx, event_type, data, tenant_id=tenant_id, version=version)
    session.execute(insert(outbox).values(**row))
    session.info[_DIRTY] = True
    envelope: dict[str, Any] = row["envelope"]
    return envelope


def record_events(
    session: Session,
    ctx: CallContext,
    event_type: str,
    items: Iterable[dict[str, Any]],
    *,
    tenant_id: Any = None,
    version: int = 1,
) -> int:
    """Many events of one type in one INSERT (a bulk change announces each record it
    changed); each `data` is checked like record_event's. Returns how many were added."""
    rows = [_outbox_row(ctx, event_type, data, tenant_id=tenant_id, version=version)
            for data in items]
    if rows:
        session.execute(insert(outbox), rows)
        session.info[_DIRTY] = True
    return len(rows)


def _outbox_row(ctx: CallContext, event_type: str, data: dict[str, Any], *, tenant_id: Any,
                version: int) -> dict[str, Any]:
    producer = event_type.split(".", 1)[0]
    tid = tenant_id or ctx.tenant_id
    event_id = uuid.uuid4()
    tenant = str(tid) if tid else None
    envelope: dict[str, Any] = {
        "id": str(event_id),
        "type": event_type,
        "version": version,
        "tenant_id": tenant,
        "occurred_at": utcnow().isoformat().replace("+00:00", "Z"),
        "producer": producer,
        "correlation_id": ctx.correlation_id,
        "data": event_schemas.validate(event_type, version, data),
    }
    return {
        "id": event_id,
        "event_type": event_type,
        "tenant_id": uuid.UUID(tenant) if tenant else None,
        "envelope": envelope,
        "headers": ctx.with_tenant(tenant).to_wire(),
    }


def on_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after any transaction that recorded events commits (relay wake-up)."""
    _commit_listeners.append(listener)
    return lambda: _commit_listeners.remove(listener)


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        for listener in list(_commit_listeners):
            listener()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_DIRTY, None)
