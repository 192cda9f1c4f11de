"""Links between contacts and clients (docs/rpc/crm.md#links)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import contacts as schemas
from services.crm.use_cases import links
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class LinkEntrypoints(Entrypoints):
    @rpc
    def link_contact(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.LinkInput, payload)
        with self.db.transaction() as session:
            return json_answer(links.link_contact(session, self.ctx, **args))

    @rpc
    def get_link(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.LinkIdInput, payload)
        with self.db.reading() as session:
            return json_answer(links.get_link(session, self.ctx, **args))

    @rpc
    def update_link(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateLinkInput, payload)
        with self.db.transaction() as session:
            return json_answer(links.update_link(session, self.ctx, **args))

    @rpc
    def unlink_contact(self, **payload: Any) -> None:
        args = load(schemas.LinkIdInput, payload)
        with self.db.transaction() as session:
            links.unlink_contact(session, self.ctx, **args)

    @rpc
    def list_client_contacts(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ClientLinksInput, payload)
        with self.db.reading() as session:
            return json_answer(links.list_client_contacts(session, self.ctx, **args))

    @rpc
    def list_contact_clients(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ContactLinksInput, payload)
        with self.db.reading() as session:
            return json_answer(links.list_contact_clients(session, self.ctx, **args))
