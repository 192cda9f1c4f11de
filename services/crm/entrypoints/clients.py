"""Client methods (docs/rpc/crm.md#clients)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import clients as schemas
from services.crm.use_cases import clients
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class ClientEntrypoints(Entrypoints):
    @rpc
    def create_client(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CreateClientInput, payload)
        with self.db.transaction() as session:
            return json_answer(clients.create_client(session, self.ctx, **args))

    @rpc
    def get_client(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.GetClientInput, payload)
        with self.db.reading() as session:
            return json_answer(clients.get_client(session, self.ctx, **args))

    @rpc
    def list_clients(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListClientsInput, payload)
        with self.db.reading() as session:
            return json_answer(clients.list_clients(session, self.ctx, **args))

    @rpc
    def update_client(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateClientInput, payload)
        with self.db.transaction() as session:
            return json_answer(clients.update_client(session, self.ctx, **args))

    @rpc
    def archive_client(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ClientVersionInput, payload)
        with self.db.transaction() as session:
            return json_answer(clients.archive_client(session, self.ctx, **args))

    @rpc
    def restore_client(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ClientVersionInput, payload)
        with self.db.transaction() as session:
            return json_answer(clients.restore_client(session, self.ctx, **args))

    @rpc
    def delete_client(self, **payload: Any) -> None:
        args = load(schemas.ClientVersionInput, payload)
        with self.db.transaction() as session:
            clients.delete_client(session, self.ctx, **args)
