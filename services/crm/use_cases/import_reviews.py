"""crm's timer over imports: a pass that stopped making progress fails, a file kept too
long unused expires (the rules: `domain.imports.review`; docs/adr/0019-crm-import-failures.md).

`imports` is tenant data under forced RLS, so the timer finds due imports in
`import_deadlines` (ids and times only, across tenants), then reviews each one in its own
tenant's scope.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.crm.domain import imports as rules
from services.crm.models import ImportDeadline
from services.crm.use_cases import imports
from shared.call_context import CallContext
from shared.db import utcnow
from shared.outbox import record_event

REVIEW_BATCH = 100
REVIEW_CLAIM = timedelta(minutes=5)
"""A claimed deadline is pushed this far, so another replica's timer skips it meanwhile."""


def due_deadlines(session: Session, now: datetime | None = None) -> list[tuple[uuid.UUID,
                                                                                uuid.UUID]]:
    """Claim up to REVIEW_BATCH due imports, across tenants (an unscoped transaction):
    (tenant_id, import_id) pairs to `review_import` each in its tenant's scope."""
    now = now or utcnow()
    due = (select(ImportDeadline.import_id).where(ImportDeadline.due_at <= now)
           .order_by(ImportDeadline.due_at).limit(REVIEW_BATCH)
           .with_for_update(skip_locked=True).scalar_subquery())
    claimed = session.execute(update(ImportDeadline)
                              .where(ImportDeadline.import_id.in_(due))
                              .values(due_at=now + REVIEW_CLAIM)
                              .returning(ImportDeadline.tenant_id, ImportDeadline.import_id))
    return [(tenant_id, import_id) for tenant_id, import_id in claimed]


def review_import(session: Session, ctx: CallContext, *, import_id: uuid.UUID,
                  now: datetime | None = None) -> None:
    """Fail a stalled pass, expire a file left unused, and set the next look (the rules:
    `domain.imports.review`). Runs in the import's tenant scope."""
    now = now or utcnow()
    imp = imports.locked(session, import_id)
    if imp is None:
        session.execute(delete(ImportDeadline).where(ImportDeadline.import_id == import_id))
        return
    verdict = rules.review(imp.status, imp.updated_at, now,
                           dry_run=bool(imp.options.get("dry_run")))
    if verdict.status == "failed" and verdict.reason:
        imports.end_failed(session, ctx, imp, verdict.reason)
    elif verdict.status == "expired":
        imp.status = "expired"
        imp.status_reason = verdict.reason
        imp.content = None
        record_event(session, ctx, "crm.import.expired", {
            "import_id": imp.id, "entity": imp.entity, "reason": verdict.reason,
            "actor_id": imp.created_by,
        })
    imports.watch(session, imp, verdict.next_review)
