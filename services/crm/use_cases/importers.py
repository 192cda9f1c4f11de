"""One importer per entity: how a checked row becomes an object, through the entity's own
use case, so an imported object is created (and announced) exactly like one from the API.

To add an entity (contacts, once their use cases exist): its columns in
domain/imports.py, an Importer here, and an entry in IMPORTERS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.crm.domain.imports import CLIENT_COLUMNS, CONTACT_COLUMNS, EntityColumns
from services.crm.models import Client, Contact
from services.crm.schemas.clients import CreateClientInput
from services.crm.schemas.contacts import CreateContactInput
from services.crm.use_cases import clients, contacts, custom_fields, links
from shared.call_context import CallContext
from shared.errors import NotFound, ValidationFailed

Create = Callable[[Session, CallContext, dict[str, Any], str, dict[str, Any], dict[str, Any]],
                  None]


@dataclass(frozen=True)
class Importer:
    entity: str
    columns: EntityColumns
    model: Any
    """The table: its `id` and `import_key` columns tell which rows exist already."""
    custom_entity: str
    schema: Schema
    """The API's input schema of the create method: the same checks as the API."""
    create: Create
    """(session, ctx, loaded args, import key, options, extra): create one object or raise."""
    extra_fields: tuple[str, ...] = ()
    """Columns that are not the create input's (a contact's client link): kept out of the
    schema's load and handed to `create` as `extra`."""
    unique_name: bool = False
    """Names are unique per tenant unless confirmed (a dry run checks within the file)."""

    def custom_types(self, session: Session) -> dict[str, str]:
        definitions = custom_fields.active_definitions(session, self.custom_entity)
        return {key: definition.type for key, definition in definitions.items()}


def _create_client(session: Session, ctx: CallContext, args: dict[str, Any], key: str,
                   options: dict[str, Any], extra: dict[str, Any]) -> None:
    args.pop("confirm_duplicate_name", None)
    # create_client hands unknown keyword fields to the Client model: import_key is one.
    clients.create_client(session, ctx, import_key=key,
                          confirm_duplicate_name=bool(options.get("allow_duplicate_names")),
                          **args)


CLIENTS = Importer(entity="clients", columns=CLIENT_COLUMNS, model=Client,
                   custom_entity="client", schema=CreateClientInput(),
                   create=_create_client, unique_name=True)



def _client_of(session: Session, extra: dict[str, Any]) -> uuid.UUID | None:
    """The client a contact row names: by `client_id`, else by its name (any case)."""
    if extra.get("client_id"):
        try:
            return uuid.UUID(str(extra["client_id"]))
        except ValueError:
            raise ValidationFailed("Invalid client.", {
                "client_id": ["Not a valid id."]}) from None
    name = extra.get("client")
    if not name:
        return None
    found = session.execute(select(Client.id).where(func.lower(Client.name) == name.lower())
                            .limit(2)).scalars().all()
    if len(found) != 1:
        why = ("No client has this name." if not found
               else "Several clients have this name; give client_id instead.")
        raise ValidationFailed("Unknown client.", {"client": [why]})
    return found[0]


def _create_contact(session: Session, ctx: CallContext, args: dict[str, Any], key: str,
                    options: dict[str, Any], extra: dict[str, Any]) -> None:
    """The contact, then its link to the client the row names (primary, with the role)."""
    client_id = _client_of(session, extra)
    contact = contacts.create_contact(session, ctx, import_key=key, **args)
    if client_id is not None:
        try:
            links.link_contact(session, ctx, client_id=client_id, contact_id=contact["id"],
                               role=str(extra.get("client_role") or "")[:100], primary=True)
        except NotFound:
            raise ValidationFailed("Unknown client.", {
                "client_id": ["No such client."]}) from None


CONTACTS = Importer(entity="contacts", columns=CONTACT_COLUMNS, model=Contact,
                    custom_entity="contact", schema=CreateContactInput(),
                    create=_create_contact, extra_fields=("client_id", "client", "client_role"))

IMPORTERS: dict[str, Importer] = {"clients": CLIENTS, "contacts": CONTACTS}
"""Entities a file can be imported as."""
