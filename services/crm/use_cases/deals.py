"""Deals: create, read, list, edit, delete (their life after that: deal_lifecycle.py).

Every reference in an input (client, contacts, pipeline, stage, neighbours) is looked up
in the caller's tenant first, so another tenant's id is "not found", never a foreign key
error. Each mutation records exactly one event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    String,
    Uuid,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy import values as value_rows
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from services.crm.domain import deals as rules
from services.crm.domain.permissions import Action
from services.crm.models import Client, Contact, Deal, DealContact, Pipeline, Stage
from services.crm.use_cases import custom_fields
from services.crm.use_cases.common import (
    RECORD_FILTER_TYPES,
    caller,
    check_filter_ids,
    get_or_404,
    record_filter_values,
    record_filters,
    window_filters,
)
from services.crm.use_cases.deal_ranks import end_of_stage
from services.crm.use_cases.list_rows import listed_view, present_record, rows_with_owner
from services.crm.use_cases.members import check_owner, check_owner_filter
from services.crm.use_cases.pipelines import (
    active_stages,
    ensure_default_pipeline,
    live_pipeline,
    live_stage,
)
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import NotFound, Unprocessable, ValidationFailed
from shared.list_queries import ListQuery
from shared.money import Money, format_amount
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

NO_DATE = date(9999, 12, 31)
"""Deals without an expected close date sort after every dated one (a NOT NULL key)."""
DEAL_SORTS: dict[str, Any] = {
    "name": Deal.name,
    "created_at": Deal.created_at,
    "updated_at": Deal.updated_at,
    "expected_close_date": func.coalesce(Deal.expected_close_date, literal(NO_DATE, Date)),
    "amount": Deal.amount,
    "rank": Deal.rank,
}


def money(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    return None if amount is None else {"amount": format_amount(amount, currency),
                                        "currency": currency}


LIST_COLUMNS = (Deal.id, Deal.name, Deal.client_id, Deal.pipeline_id, Deal.stage_id,
                Deal.owner_id, Deal.owner_flagged, Deal.amount, Deal.currency,
                Deal.expected_close_date, Deal.source, Deal.status, Deal.won_amount,
                Deal.lost_reason, Deal.closed_at, Deal.rank, Deal.tags, Deal.notes,
                Deal.custom, Deal.created_at, Deal.updated_at, Deal.version)
"""What a deal's view is made of, with the names below: a list selects these."""

CLIENT_NAME, STAGE_NAME, PROBABILITY, CONTACT_IDS = (
    "client_name", "stage_name", "probability", "contact_ids")


def deal_view(deal: Mapping[str, Any], owner_name: str | None,
              shown: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The API's deal from its LIST_COLUMNS, the client's name, the stage's name and
    probability and the contact ids (a list's row, or one deal's: `present`)."""
    return {
        "id": deal["id"],
        "name": deal["name"],
        "client_id": deal["client_id"],
        "client_name": deal[CLIENT_NAME],
        "contact_ids": deal[CONTACT_IDS] or [],
        "pipeline_id": deal["pipeline_id"],
        "stage_id": deal["stage_id"],
        "stage_name": deal[STAGE_NAME],
        "probability": deal[PROBABILITY],
        "owner_id": deal["owner_id"],
        "owner_name": owner_name,
        "owner_flagged": deal["owner_flagged"],
        "amount": money(deal["amount"], deal["currency"]),
        "expected_close_date": deal["expected_close_date"],
        "source": deal["source"],
        "status": deal["status"],
        "won_amount": money(deal["won_amount"], deal["currency"]),
        "lost_reason": deal["lost_reason"],
        "closed_at": deal["closed_at"],
        "rank": deal["rank"],
        "tags": deal["tags"],
        "notes": deal["notes"],
        "custom": shown(deal["custom"]),
        "created_at": deal["created_at"],
        "updated_at": deal["updated_at"],
        "version": deal["version"],
    }


_CONTACT_IDS_COLUMN = (
    select(func.array_agg(aggregate_order_by(DealContact.contact_id, DealContact.contact_id)))
    .where(DealContact.deal_id == Deal.id)
    .scalar_subquery()
    .label(CONTACT_IDS)
)
_ROWS_OF = rows_with_owner(
    Deal, LIST_COLUMNS, "deal",
    also=(Client.name.label(CLIENT_NAME), Stage.name.label(STAGE_NAME),
          Stage.probability.label(PROBABILITY), _CONTACT_IDS_COLUMN),
    joins=((Client, Client.id == Deal.client_id), (Stage, Stage.id == Deal.stage_id)),
)
_LISTED = listed_view(deal_view)


def present(session: Session, deal: Deal) -> dict[str, Any]:
    """One deal's view, its client's and stage's names and its contacts included."""
    return present_record(session, deal, _ROWS_OF, _LISTED)


def client_of(session: Session, client_id: Any) -> Client:
    client = get_or_404(session, Client, client_id, "client")
    return client


def _check_contacts(session: Session, contact_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(contact_ids))
    if wanted:
        found = set(session.execute(
            select(Contact.id).where(Contact.id.in_(wanted))).scalars())
        if len(found) != len(wanted):
            raise NotFound("No such contact.")
    return wanted


def _set_contacts(session: Session, deal: Deal, contact_ids: list[uuid.UUID]) -> None:
    session.execute(delete(DealContact).where(DealContact.deal_id == deal.id))
    for contact_id in contact_ids:
        session.add(DealContact(deal_id=deal.id, contact_id=contact_id))


def contact_ids_of(session: Session, deal: Deal) -> list[uuid.UUID]:
    return list(session.execute(
        select(DealContact.contact_id).where(DealContact.deal_id == deal.id)
        .order_by(DealContact.contact_id)).scalars())


def load_deal(session: Session, deal_id: Any) -> Deal:
    return get_or_404(session, Deal, deal_id, "deal")


def _stage_for_new_deal(session: Session, ctx: CallContext, pipeline_id: uuid.UUID | None,
                        stage_id: uuid.UUID | None) -> Stage:
    if stage_id is not None:
        stage = live_stage(session, stage_id)
        if pipeline_id is not None and stage.pipeline_id != pipeline_id:
            raise ValidationFailed("Stage and pipeline disagree.", {
                "stage_id": ["Must be a stage of the given pipeline."]})
        return stage
    pipeline = (live_pipeline(session, pipeline_id) if pipeline_id is not None
                else ensure_default_pipeline(session, ctx))
    stages = active_stages(session, [pipeline.id])[pipeline.id]
    if not stages:
        raise Unprocessable("The pipeline has no active stage.")
    return stages[0]


def create_deal(session: Session, ctx: CallContext, *, name: str, client_id: uuid.UUID,
                amount: Money, contact_ids: list[uuid.UUID] | None = None,
                owner_id: uuid.UUID | None = None, expected_close_date: date | None = None,
                pipeline_id: uuid.UUID | None = None, stage_id: uuid.UUID | None = None,
                source: str | None = None, tags: list[str] | None = None, notes: str = "",
                custom: dict[str, Any] | None = None) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    client = client_of(session, client_id)
    contacts = _check_contacts(session, contact_ids or [])
    owner = check_owner(session, ctx, owner_id or user_id)
    stage = _stage_for_new_deal(session, ctx, pipeline_id, stage_id)
    values = custom_fields.checked_values(session, "deal", custom or {})
    deal = Deal(name=name, client_id=client.id, pipeline_id=stage.pipeline_id,
                stage_id=stage.id, owner_id=owner, amount=amount.amount,
                currency=amount.currency, expected_close_date=expected_close_date,
                source=source, status=rules.OPEN, rank=end_of_stage(session, stage.id),
                tags=tags or [], notes=notes, custom=values, created_by=user_id,
                search_text=rules.search_text(name, client.name))
    session.add(deal)
    session.flush()
    _set_contacts(session, deal, contacts)
    session.flush()
    record_event(session, ctx, "crm.deal.created", {
        "deal_id": deal.id, "name": deal.name, "client_id": deal.client_id,
        "pipeline_id": deal.pipeline_id, "stage_id": deal.stage_id, "owner_id": deal.owner_id,
        "amount": money(deal.amount, deal.currency),
        "expected_close_date": deal.expected_close_date, "contact_ids": contacts,
        "actor_id": user_id,
    })
    return present(session, deal)


def get_deal(session: Session, ctx: CallContext, *, deal_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return present(session, load_deal(session, deal_id))


DEALS = ListQuery(
    lambda: select(Deal.id),  # the page's ids, then its rows (_ROWS_OF, ADR 0022)
    {
        **record_filters(Deal),
        "status": Deal.status.__eq__,
        "pipeline_id": Deal.pipeline_id.__eq__,
        "stage_id": Deal.stage_id.__eq__,
        "client_id": Deal.client_id.__eq__,
        "currency": Deal.currency.__eq__,
        "contact_id": lambda contact: exists().where(DealContact.deal_id == Deal.id,
                                                     DealContact.contact_id == contact),
        "amount_min": Deal.amount.__ge__,
        "amount_max": Deal.amount.__le__,
        "expected_close_from": Deal.expected_close_date.__ge__,
        "expected_close_to": Deal.expected_close_date.__le__,
        **window_filters(closed=Deal.closed_at),
    },
    types=RECORD_FILTER_TYPES,
)


def list_deals(
    session: Session,
    ctx: CallContext,
    *,
    limit: int = 25,
    cursor: str | None = None,
    include_total: bool = False,
    q: str | None = None,
    status: str | None = None,
    pipeline_id: uuid.UUID | None = None,
    stage_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    mine: bool = False,
    client_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    tag: str | None = None,
    currency: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    expected_close_from: date | None = None,
    expected_close_to: date | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    closed_after: datetime | None = None,
    closed_before: datetime | None = None,
    custom: dict[str, str] | None = None,
    custom_min: dict[str, str] | None = None,
    custom_max: dict[str, str] | None = None,
    sort: str = "-created_at",
) -> dict[str, Any]:
    """A page of deals. Filters by id name objects of the tenant; another tenant's id is
    NotFound (docs/rpc/crm.md)."""
    user_id = caller(ctx, Action.READ)
    check_owner_filter(session, user_id, owner_id)
    check_filter_ids(session, (Client, client_id, "client"), (Contact, contact_id, "contact"),
                     (Pipeline, pipeline_id, "pipeline"), (Stage, stage_id, "stage"))
    by_custom = custom_fields.list_query(session, "deal", Deal.custom, equal=custom,
                                         minimum=custom_min, maximum=custom_max)
    sorts = dict(DEAL_SORTS)
    key = sort.removeprefix("-")
    if key.startswith("custom."):
        sorts[key] = by_custom.sort_expression(key.removeprefix("custom."))
    request = PageRequest.parse(collection="crm.deals", sorts=sorts, tiebreaker=Deal.id,
                                sort=sort, default_sort="-created_at", limit=limit,
                                cursor=cursor, include_total=include_total)
    values = {**record_filter_values(
        user_id=user_id, q=q, mine=mine, owner_id=owner_id, tag=tag, created_after=created_after,
        created_before=created_before, updated_after=updated_after,
        updated_before=updated_before, custom=by_custom.containment),
        "status": status, "pipeline_id": pipeline_id, "stage_id": stage_id,
        "client_id": client_id, "currency": currency, "contact_id": contact_id,
        "amount_min": amount_min, "amount_max": amount_max,
        "expected_close_from": expected_close_from, "expected_close_to": expected_close_to,
        "closed_after": closed_after, "closed_before": closed_before}
    stmt, params = DEALS.statement(values, by_custom.ranges)
    return paginate(session, stmt, request, _LISTED, params, rows_of=_ROWS_OF)


def update_deal(session: Session, ctx: CallContext, *, deal_id: uuid.UUID,
                expected_version: int | None = None, **changes: Any) -> dict[str, Any]:
    """Change any subset of a deal's fields (not its stage: `move_deal`; not its state)."""
    user_id = caller(ctx, Action.WRITE)
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    changed = _changed_fields(session, deal, changes)
    rules.check_editable(deal.status, changed)
    if not changed:
        return present(session, deal)
    _apply(session, ctx, deal, changes)
    session.flush()
    record_event(session, ctx, "crm.deal.updated", {
        "deal_id": deal.id, "name": deal.name, "changed": sorted(changed),
        "owner_id": deal.owner_id, "actor_id": user_id})
    return present(session, deal)


def _changed_fields(session: Session, deal: Deal, changes: dict[str, Any]) -> set[str]:
    changed = set()
    for name, value in changes.items():
        if name == "amount":
            if (value.amount, value.currency) != (deal.amount, deal.currency):
                changed.add(name)
        elif name == "contact_ids":
            if set(value) != set(contact_ids_of(session, deal)):
                changed.add(name)
        elif name == "custom":
            if value:
                changed.add(name)
        elif getattr(deal, name) != value:
            changed.add(name)
    return changed


def _apply(session: Session, ctx: CallContext, deal: Deal, changes: dict[str, Any]) -> None:
    """Check every change first (lookups flush the session), then write them at once, so
    the deal's version grows by one."""
    values: dict[str, Any] = {}
    contacts: list[uuid.UUID] | None = None
    client_name: str | None = None
    for name, value in changes.items():
        if name == "client_id":
            client = client_of(session, value)
            values["client_id"], client_name = client.id, client.name
        elif name == "contact_ids":
            contacts = _check_contacts(session, value)
        elif name == "owner_id":
            values["owner_id"] = check_owner(session, ctx, value)
            values["owner_flagged"] = False
        elif name == "amount":
            values["amount"], values["currency"] = value.amount, value.currency
        elif name == "custom":
            values["custom"] = custom_fields.checked_values(session, "deal", value,
                                                            current=deal.custom)
        else:
            values[name] = value
    if "name" in values and client_name is None:
        client_name = session.execute(
            select(Client.name).where(Client.id == deal.client_id)).scalar_one()
    if client_name is not None:
        values["search_text"] = rules.search_text(values.get("name", deal.name), client_name)
    values["updated_at"] = utcnow()  # bumps the version even when only contacts changed
    for name, value in values.items():
        setattr(deal, name, value)
    session.flush()
    if contacts is not None:
        _set_contacts(session, deal, contacts)


def refresh_client_name(session: Session, client_id: uuid.UUID, client_name: str,
                        batch: int = 1000) -> None:
    """A renamed client's deals are found by its new name (`q`), not its old one. Their
    search text is derived data: versions and `updated_at` stay, no event."""
    deals = session.execute(
        select(Deal.id, Deal.name).where(Deal.client_id == client_id)).all()
    for start in range(0, len(deals), batch):
        fresh = value_rows(column("id", Uuid), column("search_text", String), name="fresh").data(
            [(deal_id, rules.search_text(name, client_name))
             for deal_id, name in deals[start:start + batch]])
        session.execute(
            update(Deal).where(Deal.id == fresh.c.id)
            .values(search_text=fresh.c.search_text, updated_at=Deal.updated_at)
            .execution_options(synchronize_session=False))


def delete_deal(session: Session, ctx: CallContext, *, deal_id: uuid.UUID,
                expected_version: int | None = None) -> None:
    user_id = caller(ctx, Action.MANAGE)
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    record_event(session, ctx, "crm.deal.deleted", {
        "deal_id": deal.id, "name": deal.name, "client_id": deal.client_id,
        "status": deal.status, "actor_id": user_id})
    session.delete(deal)
    session.flush()
