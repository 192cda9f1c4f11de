"""Contacts: create, read, list (filtered, sorted, searched), update, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from services.crm.domain import contacts as rules
from services.crm.domain.permissions import Action
from services.crm.models import Client, ClientContact, Contact
from services.crm.use_cases import custom_fields
from services.crm.use_cases.common import (
    RECORD_FILTER_TYPES,
    caller,
    check_filter_ids,
    get_or_404,
    record_filter_values,
    record_filters,
)
from services.crm.use_cases.list_rows import listed_view, present_record, rows_with_owner
from services.crm.use_cases.members import check_owner, check_owner_filter
from shared.call_context import CallContext
from shared.db import check_version
from shared.list_queries import ListQuery
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

CONTACT_SORTS = {"name": Contact.name, "created_at": Contact.created_at,
                 "updated_at": Contact.updated_at}
EDITABLE = ("first_name", "last_name", "name", "title", "emails", "phones", "owner_id",
            "tags", "notes", "custom")


LIST_COLUMNS = (Contact.id, Contact.first_name, Contact.last_name, Contact.name,
                Contact.title, Contact.emails, Contact.phones, Contact.primary_client_id,
                Contact.owner_id, Contact.owner_flagged, Contact.tags, Contact.notes,
                Contact.custom, Contact.created_at, Contact.updated_at, Contact.version)
"""What a contact's view is made of: a list selects these, not the whole row."""


def contact_view(contact: Mapping[str, Any], owner_name: str | None,
                 shown: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The API's contact from its LIST_COLUMNS: a list's row, or a loaded contact
    (`present`)."""
    return {
        "id": contact["id"],
        "first_name": contact["first_name"],
        "last_name": contact["last_name"],
        "name": contact["name"],
        "title": contact["title"],
        "emails": contact["emails"],
        "phones": contact["phones"],
        "primary_email": rules.primary_value(contact["emails"]),
        "primary_phone": rules.primary_value(contact["phones"]),
        "primary_client_id": contact["primary_client_id"],
        "owner_id": contact["owner_id"],
        "owner_name": owner_name,
        "owner_flagged": contact["owner_flagged"],
        "tags": contact["tags"],
        "notes": contact["notes"],
        "custom": shown(contact["custom"]),
        "created_at": contact["created_at"],
        "updated_at": contact["updated_at"],
        "version": contact["version"],
    }


_ROWS_OF = rows_with_owner(Contact, LIST_COLUMNS, "contact")
_LISTED = listed_view(contact_view)


def present(session: Session, contact: Contact) -> dict[str, Any]:
    return present_record(session, contact, _ROWS_OF, _LISTED)


CONTACT_IDS = ListQuery(
    # The page is found on ids (an index-only walk of (tenant_id, name, id) INCLUDE
    # (search_text, tags) can filter a search or a tag without visiting the table), then
    # its rows are read by primary key in the same statement (_ROWS_OF, ADR 0022).
    lambda: select(Contact.id),
    {
        **record_filters(Contact),
        "client_id": lambda client: Contact.id.in_(
            select(ClientContact.contact_id).where(ClientContact.client_id == client)),
        # jsonb @> on the emails GIN index (LEAKPROOF, so usable under RLS)
        "email": Contact.emails.contains,
    },
    types={**RECORD_FILTER_TYPES, "email": JSONB()},
)


def refresh_search_text(contact: Contact) -> None:
    contact.search_text = rules.search_text(contact.name, contact.emails, contact.phones)


def create_contact(session: Session, ctx: CallContext, *, first_name: str = "",
                   last_name: str = "", name: str | None = None, owner_id: Any = None,
                   emails: list[dict[str, Any]] | None = None,
                   phones: list[dict[str, Any]] | None = None,
                   custom: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    contact = Contact(
        **fields,
        first_name=first_name,
        last_name=last_name,
        name=rules.display_name(first_name, last_name, name),
        emails=rules.with_one_primary(emails or [], "emails"),
        phones=rules.with_one_primary(phones or [], "phones"),
        owner_id=check_owner(session, ctx, owner_id or user_id),
        custom=custom_fields.checked_values(session, "contact", custom or {}),
        created_by=user_id,
    )
    refresh_search_text(contact)
    session.add(contact)
    session.flush()
    record_event(session, ctx, "crm.contact.created", {
        "contact_id": contact.id, "name": contact.name, "owner_id": contact.owner_id,
        "actor_id": user_id,
    })
    return present(session, contact)


def get_contact(session: Session, ctx: CallContext, *, contact_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return present(session, get_or_404(session, Contact, contact_id, "contact"))


def new_name(contact: Contact, changes: dict[str, Any]) -> str:
    """A given name wins; `null`/empty derives "first last"; a name that was derived
    follows first and last name changes, one that was given stays."""
    first = changes.get("first_name", contact.first_name)
    last = changes.get("last_name", contact.last_name)
    if "name" in changes:
        return rules.display_name(first, last, changes["name"])
    derived_before = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    if contact.name == derived_before:
        return rules.display_name(first, last)
    return contact.name


def update_contact(session: Session, ctx: CallContext, *, contact_id: uuid.UUID,
                   expected_version: int | None = None, **changes: Any) -> dict[str, Any]:
    """Apply the given fields (a PATCH); the version read must still be current (412).
    Nothing changed: no new version, no event."""
    user_id = caller(ctx, Action.WRITE)
    contact = get_or_404(session, Contact, contact_id, "contact")
    check_version(contact, expected_version)
    changes["name"] = new_name(contact, changes)
    for listed in ("emails", "phones"):
        if listed in changes:
            changes[listed] = rules.with_one_primary(changes[listed], listed)
    if "owner_id" in changes:
        changes["owner_id"] = check_owner(session, ctx, changes["owner_id"] or user_id)
    if "custom" in changes:
        changes["custom"] = custom_fields.checked_values(session, "contact", changes["custom"],
                                                         current=contact.custom)
    changed = [name for name in EDITABLE
               if name in changes and getattr(contact, name) != changes[name]]
    if "owner_id" in changes and contact.owner_flagged:
        contact.owner_flagged = False  # a new owner was named: the flag is answered
        changed.append("owner_flagged")
    if not changed:
        return present(session, contact)
    for name in changed:
        if name != "owner_flagged":
            setattr(contact, name, changes[name])
    refresh_search_text(contact)
    session.flush()
    record_event(session, ctx, "crm.contact.updated", {
        "contact_id": contact.id, "name": contact.name, "changed": changed,
        "owner_id": contact.owner_id, "actor_id": user_id,
    })
    return present(session, contact)


def delete_contact(session: Session, ctx: CallContext, *, contact_id: uuid.UUID,
                   expected_version: int | None = None) -> None:
    """Admins only. Its links to clients and deals go with it (the deals stay)."""
    user_id = caller(ctx, Action.MANAGE)
    contact = get_or_404(session, Contact, contact_id, "contact")
    check_version(contact, expected_version)
    record_event(session, ctx, "crm.contact.deleted", {
        "contact_id": contact.id, "name": contact.name, "actor_id": user_id})
    session.delete(contact)
    session.flush()


def list_contacts(
    session: Session,
    ctx: CallContext,
    *,
    limit: int = 25,
    cursor: str | None = None,
    include_total: bool = False,
    q: str | None = None,
    owner_id: uuid.UUID | None = None,
    mine: bool = False,
    tag: str | None = None,
    client_id: uuid.UUID | None = None,
    email: str | None = None,
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
    check_filter_ids(session, (Client, client_id, "client"))
    by_custom = custom_fields.list_query(session, "contact", Contact.custom, equal=custom,
                                         minimum=custom_min, maximum=custom_max)
    sorts: dict[str, Any] = dict(CONTACT_SORTS)
    key = sort.removeprefix("-")
    if key.startswith("custom."):
        sorts[key] = by_custom.sort_expression(key.removeprefix("custom."))
    request = PageRequest.parse(collection="crm.contacts", sorts=sorts, tiebreaker=Contact.id,
                                sort=sort, default_sort="name", limit=limit, cursor=cursor,
                                include_total=include_total)
    values = {**record_filter_values(
        user_id=user_id, q=q, mine=mine, owner_id=owner_id, tag=tag, created_after=created_after,
        created_before=created_before, updated_after=updated_after,
        updated_before=updated_before, custom=by_custom.containment),
        "client_id": client_id, "email": [{"value": email}] if email else None}
    stmt, params = CONTACT_IDS.statement(values, by_custom.ranges)
    return paginate(session, stmt, request, _LISTED, params, rows_of=_ROWS_OF)

