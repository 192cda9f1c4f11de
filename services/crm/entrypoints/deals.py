"""Deal methods (docs/rpc/crm.md#deals)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import deals as schemas
from services.crm.use_cases import deal_lifecycle, deals
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class DealEntrypoints(Entrypoints):
    @rpc
    def create_deal(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CreateDealInput, payload)
        with self.db.transaction() as session:
            return json_answer(deals.create_deal(session, self.ctx, **args))

    @rpc
    def get_deal(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.DealIdInput, payload)
        with self.db.reading() as session:
            return json_answer(deals.get_deal(session, self.ctx, **args))

    @rpc
    def list_deals(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListDealsInput, payload)
        with self.db.reading() as session:
            return json_answer(deals.list_deals(session, self.ctx, **args))

    @rpc
    def update_deal(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateDealInput(partial=schemas.UPDATABLE), payload)
        with self.db.transaction() as session:
            return json_answer(deals.update_deal(session, self.ctx, **args))

    @rpc
    def delete_deal(self, **payload: Any) -> None:
        args = load(schemas.VersionedDealInput, payload)
        with self.db.transaction() as session:
            deals.delete_deal(session, self.ctx, **args)

    @rpc
    def move_deal(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.MoveDealInput, payload)
        with self.db.transaction() as session:
            return json_answer(deal_lifecycle.move_deal(session, self.ctx, **args))

    @rpc
    def mark_deal_won(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.MarkWonInput, payload)
        with self.db.transaction() as session:
            return json_answer(deal_lifecycle.mark_won(session, self.ctx, **args))

    @rpc
    def mark_deal_lost(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.MarkLostInput, payload)
        with self.db.transaction() as session:
            return json_answer(deal_lifecycle.mark_lost(session, self.ctx, **args))

    @rpc
    def reopen_deal(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ReopenDealInput, payload)
        with self.db.transaction() as session:
            return json_answer(deal_lifecycle.reopen_deal(session, self.ctx, **args))
