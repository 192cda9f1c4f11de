"""What CRM does when identity's members change: keep its mirror of them, flag orphans;
a new tenant also gets its default pipeline (idempotent: it is created once at most)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from services.crm.entrypoints.base import Entrypoints
from services.crm.use_cases import members, owner_changes, pipelines
from shared.event_handling import handles
from shared.inbox import first_delivery


def _when(envelope: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(envelope["occurred_at"].replace("Z", "+00:00"))


class IdentityEventHandlers(Entrypoints):
    def _apply(self, envelope: dict[str, Any], consumer: str, *,
               also: Callable[[Session], object] | None = None, **member: Any) -> None:
        tenant_id = UUID(envelope["tenant_id"])
        with self.db.transaction(tenant_id=tenant_id, user_id=None) as session:
            if first_delivery(session, envelope["id"], consumer):
                members.record_member(session, tenant_id=tenant_id, occurred_at=_when(envelope),
                                      **member)
                if also is not None:
                    also(session)

    @handles("identity", "identity.tenant.created")
    def on_tenant_created(self, envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        owner = UUID(data["owner_user_id"])
        ctx = self.ctx.with_tenant(envelope["tenant_id"])
        self._apply(envelope, "crm.on_tenant_created", user_id=owner, role="owner",
                    also=lambda session: pipelines.ensure_default_pipeline(session, ctx, owner))

    @handles("identity", "identity.member.joined")
    def on_member_joined(self, envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        self._apply(envelope, "crm.on_member_joined", user_id=UUID(data["user_id"]),
                    role=data["role"], email=data["email"], name=data["name"])

    @handles("identity", "identity.member.role_changed")
    def on_member_role_changed(self, envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        self._apply(envelope, "crm.on_member_role_changed", user_id=UUID(data["user_id"]),
                    role=data["new_role"])

    @handles("identity", "identity.member.removed")
    def on_member_removed(self, envelope: dict[str, Any]) -> None:
        """The member goes inactive at once; their records are flagged after, in batches
        (ADR 0018). A redelivered event (the process died part way) flags the rest."""
        data = envelope["data"]
        user_id = UUID(data["user_id"])
        self._apply(envelope, "crm.on_member_removed", user_id=user_id, role=data["role"],
                    active=False)
        tenant_id = UUID(envelope["tenant_id"])
        owner_changes.flag_records_of(
            lambda: self.db.transaction(tenant_id=tenant_id, user_id=None),
            self.ctx.with_tenant(str(tenant_id)), user_id,
            actor_id=UUID(data["removed_by"]), pause=lambda: time.sleep(0))
