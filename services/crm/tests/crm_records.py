"""What the client and contact tests read or write beside the RPC: the outbox, deals.

Deals are inserted in SQL (the deals area's methods are not this area's), as the owner
role with the tenant set, like the tests of identity's events read the members.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import create_engine, text

from shared.testing import ServiceDatabase


class Records:
    def __init__(self, crm_db: ServiceDatabase) -> None:
        self.engine = create_engine(crm_db.owner_url)

    def events(self, tenant_id: str, prefix: str = "crm.") -> list[dict[str, Any]]:
        """The envelopes crm recorded for the tenant, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT envelope FROM outbox WHERE tenant_id = :t AND event_type LIKE :p "
                "ORDER BY seq"), {"t": tenant_id, "p": f"{prefix}%"})
            return [row.envelope for row in rows]

    def event_types(self, tenant_id: str) -> list[str]:
        return [e["type"] for e in self.events(tenant_id)]

    def add_deal(self, tenant_id: str, client_id: str, owner_id: str, *,
                 contact_ids: tuple[str, ...] = (), status: str = "open") -> str:
        deal, pipeline, stage = (str(uuid.uuid4()) for _ in range(3))
        with self.engine.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
            conn.execute(text(
                "INSERT INTO pipelines (id, tenant_id, name, is_default, position, version) "
                "VALUES (:id, :t, 'Sales', false, 0, 1)"), {"id": pipeline, "t": tenant_id})
            conn.execute(text(
                "INSERT INTO stages (id, tenant_id, pipeline_id, name, position, probability, "
                "version) VALUES (:id, :t, :p, 'New', 0, 10, 1)"),
                {"id": stage, "t": tenant_id, "p": pipeline})
            conn.execute(text(
                "INSERT INTO deals (id, tenant_id, name, client_id, pipeline_id, stage_id, "
                "owner_id, amount, currency, status, rank, notes, search_text, version) "
                "VALUES (:id, :t, 'Deal', :c, :p, :s, :o, 100, 'EUR', :st, 0, '', '', 1)"),
                {"id": deal, "t": tenant_id, "c": client_id, "p": pipeline, "s": stage,
                 "o": owner_id, "st": status})
            for contact_id in contact_ids:
                conn.execute(text(
                    "INSERT INTO deal_contacts (deal_id, contact_id, tenant_id) "
                    "VALUES (:d, :c, :t)"), {"d": deal, "c": contact_id, "t": tenant_id})
        return deal

    def deal(self, tenant_id: str, deal_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
            row = conn.execute(text(
                "SELECT owner_id, owner_flagged, version FROM deals WHERE id = :d"),
                {"d": deal_id}).one()
            contacts = conn.execute(text(
                "SELECT contact_id FROM deal_contacts WHERE deal_id = :d"), {"d": deal_id})
            return {"owner_id": str(row.owner_id), "owner_flagged": row.owner_flagged,
                    "version": row.version,
                    "contact_ids": {str(r.contact_id) for r in contacts}}

    def close(self) -> None:
        self.engine.dispose()
