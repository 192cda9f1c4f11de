"""Clients: create, read, list (filtered, sorted, searched)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.crm.domain import clients as rules
from services.crm.domain.permissions import Action
from services.crm.models import Client
from services.crm.use_cases import custom_fields
from services.crm.use_cases.common import caller, get_or_404, like_pattern
from services.crm.use_cases.members import check_owner, owner_names
from shared.call_context import CallContext
from shared.errors import Conflict
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

CLIENT_SORTS = {"name": Client.name, "created_at": Client.created_at,
                "updated_at": Client.updated_at}


def client_view(client: Client, owner_name: str | None,
                shown: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "legal_name": client.legal_name,
        "website": client.website,
        "domain": client.domain,
        "industry": client.industry,
        "tax_id": client.tax_id,
        "billing_address": client.billing_address,
        "currency": client.currency,
        "owner_id": client.owner_id,
        "owner_name": owner_name,
        "owner_flagged": client.owner_flagged,
        "status": client.status,
        "archived_at": client.archived_at,
        "tags": client.tags,
        "notes": client.notes,
        "custom": shown(client.custom),
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "version": client.version,
    }


def present(session: Session, client: Client) -> dict[str, Any]:
    names = owner_names(session, {client.owner_id})
    return client_view(client, names.get(client.owner_id),
                       custom_fields.shown_values(session, "client"))


def refresh_search_text(client: Client) -> None:
    client.search_text = rules.search_text(client.name, client.legal_name, client.domain)


def _refuse_duplicate_name(session: Session, name: str, exclude: uuid.UUID | None = None) -> None:
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
    custom: dict[str, str] | None = None,
    sort: str = "name",
) -> dict[str, Any]:
    user_id = caller(ctx, Action.READ)
    sorts: dict[str, Any] = dict(CLIENT_SORTS)
    key = sort.removeprefix("-")
    if key.startswith("custom."):
        sorts[key] = custom_fields.sort_expression(session, "client", Client.custom,
                                                   key.removeprefix("custom."))
    request = PageRequest.parse(collection="crm.clients", sorts=sorts, tiebreaker=Client.id,
                                sort=sort, default_sort="name", limit=limit, cursor=cursor,
                                include_total=include_total)
    stmt: Select[Any] = select(Client)
    if q:
        stmt = stmt.where(Client.search_text.like(like_pattern(q)))
    if status:
        stmt = stmt.where(Client.status == status)
    if mine:
        stmt = stmt.where(Client.owner_id == user_id)
    if owner_id:
        stmt = stmt.where(Client.owner_id == owner_id)
    if tag:
        stmt = stmt.where(Client.tags.contains([tag]))
    if domain:
        stmt = stmt.where(Client.domain == rules.domain_of(domain))
    if created_after:
        stmt = stmt.where(Client.created_at >= created_after)
    if created_before:
        stmt = stmt.where(Client.created_at < created_before)
    for clause in custom_fields.filter_clauses(session, "client", Client.custom, custom or {}):
        stmt = stmt.where(clause)
    page = paginate(session, stmt, request, lambda c: c)
    rows: list[Client] = page["data"]
    names = owner_names(session, {c.owner_id for c in rows})
    shown = custom_fields.shown_values(session, "client")
    page["data"] = [client_view(c, names.get(c.owner_id), shown) for c in rows]
    return page
