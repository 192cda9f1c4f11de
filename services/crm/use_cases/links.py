"""A contact's links to clients, each with a role, one of them the contact's primary client.

Rules (docs/rpc/crm.md#links): the first link of a contact without a primary client
makes that client primary; unlinking the primary client moves the primary to the
earliest remaining link, or clears it when none remains. Another tenant's client or
contact is NotFound (checked through the tenant-scoped session before any write: a
foreign key alone would accept another tenant's id).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.crm.domain.permissions import Action
from services.crm.models import Client, ClientContact, Contact
from services.crm.use_cases.common import caller, get_or_404
from shared.call_context import CallContext
from shared.errors import Conflict, NotFound
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate


def link_view(link: ClientContact, client: Client, contact: Contact) -> dict[str, Any]:
    return {
        "client_id": link.client_id,
        "client_name": client.name,
        "contact_id": link.contact_id,
        "contact_name": contact.name,
        "role": link.role,
        "primary": contact.primary_client_id == link.client_id,
        "created_at": link.created_at,
    }


def _both(session: Session, client_id: Any, contact_id: Any) -> tuple[Client, Contact]:
    return (get_or_404(session, Client, client_id, "client"),
            get_or_404(session, Contact, contact_id, "contact"))


def _link(session: Session, client: Client, contact: Contact) -> ClientContact:
    link = session.get(ClientContact, (client.id, contact.id))
    if link is None:
        raise NotFound("This contact is not linked to this client.")
    return link


def earliest_other_link(session: Session, contact_id: uuid.UUID,
                        client_id: uuid.UUID) -> uuid.UUID | None:
    return session.execute(
        select(ClientContact.client_id)
        .where(ClientContact.contact_id == contact_id, ClientContact.client_id != client_id)
        .order_by(ClientContact.created_at, ClientContact.client_id).limit(1)
    ).scalar_one_or_none()


def _event(session: Session, ctx: CallContext, event_type: str, client: Client,
           contact: Contact, actor_id: uuid.UUID, **extra: Any) -> None:
    record_event(session, ctx, event_type, {
        "contact_id": contact.id, "client_id": client.id, "name": contact.name,
        "client_name": client.name, "actor_id": actor_id, **extra})


def link_contact(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                 contact_id: uuid.UUID, role: str = "", primary: bool = False
                 ) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    client, contact = _both(session, client_id, contact_id)
    if session.get(ClientContact, (client.id, contact.id)) is not None:
        raise Conflict("This contact is linked to this client already; change the link instead.")
    link = ClientContact(client_id=client.id, contact_id=contact.id, role=role)
    session.add(link)
    if primary or contact.primary_client_id is None:
        contact.primary_client_id = client.id
    session.flush()
    session.refresh(link)
    _event(session, ctx, "crm.contact.linked", client, contact, user_id, role=role,
           primary=contact.primary_client_id == client.id)
    return link_view(link, client, contact)


def get_link(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
             contact_id: uuid.UUID) -> dict[str, Any]:
    """One link (what link_contact's Location names); NotFound when they are not linked."""
    caller(ctx, Action.READ)
    client, contact = _both(session, client_id, contact_id)
    return link_view(_link(session, client, contact), client, contact)


def update_link(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                contact_id: uuid.UUID, role: str | None = None,
                primary: bool | None = None) -> dict[str, Any]:
    """Change the role, or make the client the contact's primary (`primary=false` on the
    primary clears it)."""
    user_id = caller(ctx, Action.WRITE)
    client, contact = _both(session, client_id, contact_id)
    link = _link(session, client, contact)
    changed = []
    if role is not None and role != link.role:
        link.role = role
        changed.append("role")
    is_primary = contact.primary_client_id == client.id
    if primary is not None and primary != is_primary:
        contact.primary_client_id = client.id if primary else None
        changed.append("primary")
    if changed:
        session.flush()
        _event(session, ctx, "crm.contact.link_changed", client, contact, user_id,
               role=link.role, primary=contact.primary_client_id == client.id, changed=changed)
    return link_view(link, client, contact)


def unlink_contact(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                   contact_id: uuid.UUID) -> None:
    user_id = caller(ctx, Action.WRITE)
    client, contact = _both(session, client_id, contact_id)
    link = _link(session, client, contact)
    if contact.primary_client_id == client.id:
        contact.primary_client_id = earliest_other_link(session, contact.id, client.id)
    session.delete(link)
    session.flush()
    _event(session, ctx, "crm.contact.unlinked", client, contact, user_id,
           primary_client_id=contact.primary_client_id)


def _links_page(session: Session, stmt: Select[Any] | Any, request: PageRequest) -> dict[str, Any]:
    def dump(row: dict[str, Any]) -> dict[str, Any]:
        row["primary"] = row.pop("primary_client_id") == row["client_id"]
        return row
    return paginate(session, stmt, request, dump)


_LINK_COLUMNS = (
    ClientContact.client_id, Client.name.label("client_name"), ClientContact.contact_id,
    Contact.name.label("contact_name"), ClientContact.role, Contact.primary_client_id,
    ClientContact.created_at,
)


def list_client_contacts(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                         limit: int = 25, cursor: str | None = None,
                         include_total: bool = False) -> dict[str, Any]:
    """The client's contacts (links), by contact name."""
    caller(ctx, Action.READ)
    client = get_or_404(session, Client, client_id, "client")
    request = PageRequest.parse(collection="crm.client_contacts", sorts={"name": Contact.name},
                                tiebreaker=Contact.id, sort="name", limit=limit,
                                cursor=cursor, include_total=include_total)
    stmt = (select(*_LINK_COLUMNS)
            .join(Client, Client.id == ClientContact.client_id)
            .join(Contact, Contact.id == ClientContact.contact_id)
            .where(ClientContact.client_id == client.id))
    return _links_page(session, stmt, request)


def list_contact_clients(session: Session, ctx: CallContext, *, contact_id: uuid.UUID,
                         limit: int = 25, cursor: str | None = None,
                         include_total: bool = False) -> dict[str, Any]:
    """The contact's clients (links), by client name."""
    caller(ctx, Action.READ)
    contact = get_or_404(session, Contact, contact_id, "contact")
    request = PageRequest.parse(collection="crm.contact_clients", sorts={"name": Client.name},
                                tiebreaker=Client.id, sort="name", limit=limit,
                                cursor=cursor, include_total=include_total)
    stmt = (select(*_LINK_COLUMNS)
            .join(Client, Client.id == ClientContact.client_id)
            .join(Contact, Contact.id == ClientContact.contact_id)
            .where(ClientContact.contact_id == contact.id))
    return _links_page(session, stmt, request)
