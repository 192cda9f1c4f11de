"""Clients: create, read, list (filtered, sorted, searched), update, archive, restore, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.crm.domain import clients as rules
from services.crm.domain.permissions import Action
from services.crm.models import Client, ClientContact, Contact, Deal
from services.crm.use_cases import custom_fields, deals
from services.crm.use_cases.common import (
    RECORD_FILTER_TYPES,
    caller,
    get_or_404,
    record_filter_values,
    record_filters,
)
from services.crm.use_cases.list_rows import listed_view, present_record, rows_with_owner
from services.crm.use_cases.members import check_owner, check_owner_filter
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import Conflict, Unprocessable
from shared.list_queries import ListQuery
from shared.outbox import record_event, record_events
from shared.pagination import PageRequest, paginate
from shared.tenancy import lock_within_tenant

CLIENT_SORTS = {"name": Client.name, "created_at": Client.created_at,
                "updated_at": Client.updated_at}


LIST_COLUMNS = (Client.id, Client.name, Client.legal_name, Client.website, Client.domain,
                Client.industry, Client.tax_id, Client.billing_address, Client.currency,
                Client.owner_id, Client.owner_flagged, Client.status, Client.archived_at,
                Client.tags, Client.notes, Client.custom, Client.created_at,
                Client.updated_at, Client.version)
"""What a client's view is made of: a list selects these, not the whole row."""


def client_view(client: Mapping[str, Any], owner_name: str | None,
                shown: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The API's client from its LIST_COLUMNS: a list's row, or a loaded client
    (`present`)."""
    return {
        "id": client["id"],
        "name": client["name"],
        "legal_name": client["legal_name"],
        "website": client["website"],
        "domain": client["domain"],
        "industry": client["industry"],
        "tax_id": client["tax_id"],
        "billing_address": client["billing_address"],
        "currency": client["currency"],
        "owner_id": client["owner_id"],
        "owner_name": owner_name,
        "owner_flagged": client["owner_flagged"],
        "status": client["status"],
        "archived_at": client["archived_at"],
        "tags": client["tags"],
        "notes": client["notes"],
        "custom": shown(client["custom"]),
        "created_at": client["created_at"],
        "updated_at": client["updated_at"],
        "version": client["version"],
    }


_ROWS_OF = rows_with_owner(Client, LIST_COLUMNS, "client")
_LISTED = listed_view(client_view)


def present(session: Session, client: Client) -> dict[str, Any]:
    return present_record(session, client, _ROWS_OF, _LISTED)


CLIENT_IDS = ListQuery(
    lambda: select(Client.id),  # the page's ids, then its rows (_ROWS_OF, ADR 0022)
    {**record_filters(Client), "status": Client.status.__eq__, "domain": Client.domain.__eq__},
    types=RECORD_FILTER_TYPES,
)


def refresh_search_text(client: Client) -> None:
    client.search_text = rules.search_text(client.name, client.legal_name, client.domain)


def _refuse_duplicate_name(session: Session, name: str, exclude: uuid.UUID | None = None) -> None:
    """409 when another client has this name (any case). Two creates or renames of the
    same name wait for each other (a lock until commit), so both cannot pass the check."""
    lock_within_tenant(session, "crm.client_name", name.lower())
    stmt = select(Client.id).where(func.lower(Client.name) == name.lower()).limit(1)
    if exclude is not None:
        stmt = stmt.where(Client.id != exclude)
    if session.execute(stmt).first() is not None:
        raise Conflict(
            f"A client named {name!r} exists already; send confirm_duplicate_name=true "
            "to create another."
        )


def create_client(session: Session, ctx: CallContext, *, confirm_duplicate_name: bool = False,
                  **fields: Any) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    if not confirm_duplicate_name:
        _refuse_duplicate_name(session, fields["name"])
    owner_id = check_owner(session, ctx, fields.pop("owner_id") or user_id)
    custom = custom_fields.checked_values(session, "client", fields.pop("custom"))
    client = Client(**fields, owner_id=owner_id, custom=custom, created_by=user_id,
                    domain=rules.domain_of(fields.get("website")))
    refresh_search_text(client)
    session.add(client)
    session.flush()
    record_event(session, ctx, "crm.client.created", {
        "client_id": client.id, "name": client.name, "status": client.status,
        "owner_id": client.owner_id, "currency": client.currency, "actor_id": user_id,
    })
    return present(session, client)


def get_client(session: Session, ctx: CallContext, *, client_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return present(session, get_or_404(session, Client, client_id, "client"))


def list_clients(
    session: Session,
    ctx: CallContext,
    *,
    limit: int = 25,
    cursor: str | None = None,
    include_total: bool = False,
    q: str | None = None,
    status: str | None = None,
    owner_id: uuid.UUID | None = None,
    mine: bool = False,
    tag: str | None = None,
    domain: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    custom: dict[str, str] | None = None,
    custom_min: dict[str, str] | None = None,
    custom_max: dict[str, str] | None = None,
    sort: str = "name",
) -> dict[str, Any]:
    user_id = caller(ctx, Action.READ)
    check_owner_filter(session, user_id, owner_id)
    by_custom = custom_fields.list_query(session, "client", Client.custom, equal=custom,
                                         minimum=custom_min, maximum=custom_max)
    sorts: dict[str, Any] = dict(CLIENT_SORTS)
    key = sort.removeprefix("-")
    if key.startswith("custom."):
        sorts[key] = by_custom.sort_expression(key.removeprefix("custom."))
    request = PageRequest.parse(collection="crm.clients", sorts=sorts, tiebreaker=Client.id,
                                sort=sort, default_sort="name", limit=limit, cursor=cursor,
                                include_total=include_total)
    values = {**record_filter_values(
        user_id=user_id, q=q, mine=mine, owner_id=owner_id, tag=tag, created_after=created_after,
        created_before=created_before, updated_after=updated_after,
        updated_before=updated_before, custom=by_custom.containment),
        "status": status or None, "domain": rules.domain_of(domain) if domain else None}
    stmt, params = CLIENT_IDS.statement(values, by_custom.ranges)
    return paginate(session, stmt, request, _LISTED, params, rows_of=_ROWS_OF)


EDITABLE = ("name", "legal_name", "website", "industry", "tax_id", "billing_address",
            "currency", "owner_id", "status", "tags", "notes", "custom")


def update_client(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                  expected_version: int | None = None, confirm_duplicate_name: bool = False,
                  **changes: Any) -> dict[str, Any]:
    """Apply the given fields (a PATCH); the version read must still be current (412).
    Nothing changed: no new version, no event."""
    user_id = caller(ctx, Action.WRITE)
    client = get_or_404(session, Client, client_id, "client")
    check_version(client, expected_version)
    if "status" in changes and client.status == "archived":
        raise Unprocessable("An archived client's status changes only by restoring it.")
    if "name" in changes and changes["name"].lower() != client.name.lower() \
            and not confirm_duplicate_name:
        _refuse_duplicate_name(session, changes["name"], exclude=client.id)
    if "owner_id" in changes:
        changes["owner_id"] = check_owner(session, ctx, changes["owner_id"] or user_id)
    if "custom" in changes:
        changes["custom"] = custom_fields.checked_values(session, "client", changes["custom"],
                                                         current=client.custom)
    changed = [name for name in EDITABLE
               if name in changes and getattr(client, name) != changes[name]]
    if "owner_id" in changes and client.owner_flagged:
        client.owner_flagged = False  # a new owner was named: the flag is answered
        changed.append("owner_flagged")
    if not changed:
        return present(session, client)
    for name in changed:
        if name != "owner_flagged":
            setattr(client, name, changes[name])
    if "website" in changed:
        client.domain = rules.domain_of(client.website)
    refresh_search_text(client)
    session.flush()
    if "name" in changed:
        deals.refresh_client_name(session, client.id, client.name)
    record_event(session, ctx, "crm.client.updated", {
        "client_id": client.id, "name": client.name, "changed": changed,
        "owner_id": client.owner_id, "actor_id": user_id,
    })
    return present(session, client)


def archive_client(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                   expected_version: int | None = None) -> dict[str, Any]:
    """Archive: hidden from `status` filters of live clients, restorable. Archiving an
    archived client changes nothing (no event)."""
    user_id = caller(ctx, Action.WRITE)
    client = get_or_404(session, Client, client_id, "client")
    check_version(client, expected_version)
    if client.status != "archived":
        client.status_before_archive = client.status
        client.status = "archived"
        client.archived_at = utcnow()
        session.flush()
        record_event(session, ctx, "crm.client.archived", {
            "client_id": client.id, "name": client.name, "actor_id": user_id})
    return present(session, client)


def restore_client(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                   expected_version: int | None = None) -> dict[str, Any]:
    """Back to the status it had when archived. Restoring a live client changes nothing."""
    user_id = caller(ctx, Action.WRITE)
    client = get_or_404(session, Client, client_id, "client")
    check_version(client, expected_version)
    if client.status == "archived":
        client.status = client.status_before_archive or "active"
        client.status_before_archive = None
        client.archived_at = None
        session.flush()
        record_event(session, ctx, "crm.client.restored", {
            "client_id": client.id, "name": client.name, "status": client.status,
            "actor_id": user_id})
    return present(session, client)


def delete_client(session: Session, ctx: CallContext, *, client_id: uuid.UUID,
                  expected_version: int | None = None) -> None:
    """Admins only, and only a client without deals (409: archive it instead). Its contacts
    stay: their links to it go, and a contact whose primary client it was gets its
    earliest remaining linked client as primary (or none), announced as its update."""
    user_id = caller(ctx, Action.MANAGE)
    client = get_or_404(session, Client, client_id, "client")
    check_version(client, expected_version)
    if session.execute(select(Deal.id).where(Deal.client_id == client.id).limit(1)).first():
        raise Conflict("This client has deals; archive it instead, or delete its deals first.")
    next_primary = (
        select(ClientContact.client_id)
        .where(ClientContact.contact_id == Contact.id, ClientContact.client_id != client.id)
        .order_by(ClientContact.created_at, ClientContact.client_id)
        .limit(1)
        .scalar_subquery()
    )
    moved = session.execute(
        update(Contact).where(Contact.primary_client_id == client.id)
        .values(primary_client_id=next_primary, version=Contact.version + 1,
                updated_at=utcnow())
        .returning(Contact.id, Contact.name, Contact.owner_id)
        .execution_options(synchronize_session=False)
    ).all()
    record_events(session, ctx, "crm.contact.updated", (
        {"contact_id": c.id, "name": c.name, "changed": ["primary_client_id"],
         "owner_id": c.owner_id, "actor_id": user_id} for c in sorted(moved)))
    record_event(session, ctx, "crm.client.deleted", {
        "client_id": client.id, "name": client.name, "actor_id": user_id})
    session.delete(client)
    session.flush()
