"""Contact methods, merge and reassignment (docs/rpc/crm.md#contacts)."""

from __future__ import annotations

import time
from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas import contacts as schemas
from services.crm.use_cases import contacts, merge, owner_changes
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class ContactEntrypoints(Entrypoints):
    @rpc
    def create_contact(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.CreateContactInput, payload)
        with self.db.transaction() as session:
            return json_answer(contacts.create_contact(session, self.ctx, **args))

    @rpc
    def get_contact(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ContactIdInput, payload)
        with self.db.reading() as session:
            return json_answer(contacts.get_contact(session, self.ctx, **args))

    @rpc
    def list_contacts(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.ListContactsInput, payload)
        with self.db.reading() as session:
            return json_answer(contacts.list_contacts(session, self.ctx, **args))

    @rpc
    def update_contact(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.UpdateContactInput, payload)
        with self.db.transaction() as session:
            return json_answer(contacts.update_contact(session, self.ctx, **args))

    @rpc
    def delete_contact(self, **payload: Any) -> None:
        args = load(schemas.DeleteContactInput, payload)
        with self.db.transaction() as session:
            contacts.delete_contact(session, self.ctx, **args)

    @rpc
    def merge_contacts(self, **payload: Any) -> dict[str, Any]:
        args = load(schemas.MergeContactsInput, payload)
        with self.db.transaction() as session:
            return json_answer(merge.merge_contacts(session, self.ctx, **args))

    @rpc
    def reassign_records(self, **payload: Any) -> dict[str, Any]:
        """In batches, one transaction each (ADR 0018): a call that failed part way is
        made again to move the rest."""
        args = load(schemas.ReassignInput, payload)
        return json_answer(owner_changes.reassign_records(
            self.db.transaction, self.ctx, pause=lambda: time.sleep(0), **args))
