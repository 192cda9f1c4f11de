"""Merging a duplicate contact into a survivor (rules: services/crm/domain/merge.py).

One transaction: the survivor takes the duplicate's details, client links (its own role
wins where both are linked) and deal links; the duplicate is deleted; one event,
crm.contact.merged, and a `crm.deal.updated` (`changed: ["contact_ids"]`, a new version)
for each deal the duplicate was on, since its contacts changed. Members may merge
(nothing is lost), viewers may not.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.crm.domain.merge import ContactData, plan_merge
from services.crm.domain.permissions import Action
from services.crm.models import ClientContact, Contact, Deal, DealContact
from services.crm.use_cases.common import as_uuid, caller
from services.crm.use_cases.contacts import new_name, present, refresh_search_text
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import NotFound, ValidationFailed
from shared.outbox import record_event, record_events


def _locked(session: Session, contact_id: uuid.UUID) -> Contact:
    found = session.execute(
        select(Contact).where(Contact.id == contact_id).with_for_update()
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("No such contact.")
    return found


def _data(session: Session, contact: Contact) -> ContactData:
    links = session.execute(select(ClientContact.client_id, ClientContact.role)
                            .where(ClientContact.contact_id == contact.id)).all()
    deals = session.execute(select(DealContact.deal_id)
                            .where(DealContact.contact_id == contact.id)).scalars()
    return ContactData(
        title=contact.title, first_name=contact.first_name, last_name=contact.last_name,
        emails=contact.emails, phones=contact.phones, tags=contact.tags, notes=contact.notes,
        custom=contact.custom, primary_client_id=contact.primary_client_id,
        links=dict(links), deal_ids=frozenset(deals),  # type: ignore[arg-type]
    )


def merge_contacts(session: Session, ctx: CallContext, *, contact_id: uuid.UUID,
                   duplicate_id: uuid.UUID, expected_version: int | None = None
                   ) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    survivor_id, dup_id = as_uuid(contact_id), as_uuid(duplicate_id, "duplicate_id")
    if survivor_id == dup_id:
        raise ValidationFailed("A contact cannot be merged into itself.",
                               {"duplicate_id": ["Must be another contact."]})
    # Lock in id order, so two merges of the same pair cannot deadlock.
    first, second = sorted((survivor_id, dup_id))
    locked = {first: _locked(session, first), second: _locked(session, second)}
    survivor, duplicate = locked[survivor_id], locked[dup_id]
    check_version(survivor, expected_version)
    duplicate_data = _data(session, duplicate)
    plan = plan_merge(_data(session, survivor), duplicate_data)

    if plan.deals_to_move:
        session.execute(
            update(DealContact)
            .where(DealContact.contact_id == duplicate.id,
                   DealContact.deal_id.in_(plan.deals_to_move))
            .values(contact_id=survivor.id)
            .execution_options(synchronize_session=False))
    if plan.links_to_move:
        session.execute(
            update(ClientContact)
            .where(ClientContact.contact_id == duplicate.id,
                   ClientContact.client_id.in_(list(plan.links_to_move)))
            .values(contact_id=survivor.id)
            .execution_options(synchronize_session=False))
    merged_name = duplicate.name
    duplicate.primary_client_id = None  # its rows go with it (cascade)
    session.delete(duplicate)
    session.flush()

    survivor.title = plan.title
    # a derived name follows the names the duplicate filled in, as in an update
    survivor.name = new_name(survivor, {"first_name": plan.first_name,
                                        "last_name": plan.last_name})
    survivor.first_name, survivor.last_name = plan.first_name, plan.last_name
    survivor.emails, survivor.phones = plan.emails, plan.phones
    survivor.tags, survivor.notes, survivor.custom = plan.tags, plan.notes, plan.custom
    survivor.primary_client_id = plan.primary_client_id
    refresh_search_text(survivor)
    session.flush()
    _announce_deals(session, ctx, duplicate_data.deal_ids, user_id)
    record_event(session, ctx, "crm.contact.merged", {
        "survivor_id": survivor.id, "merged_id": dup_id, "name": survivor.name,
        "merged_name": merged_name, "actor_id": user_id})
    return present(session, survivor)


def _announce_deals(session: Session, ctx: CallContext, deal_ids: frozenset[Any],
                    actor_id: uuid.UUID) -> None:
    """The duplicate's deals now list the survivor instead (or only the survivor, if it
    was on them too): a change of their contacts, so a new version and an event each."""
    if not deal_ids:
        return
    ids = sorted(deal_ids)
    session.execute(select(Deal.id).where(Deal.id.in_(ids)).order_by(Deal.id)
                    .with_for_update())  # in id order, like every batch that locks deals
    touched = session.execute(
        update(Deal).where(Deal.id.in_(ids))
        .values(version=Deal.version + 1, updated_at=utcnow())
        .returning(Deal.id, Deal.name, Deal.owner_id)
        .execution_options(synchronize_session=False)
    ).all()
    record_events(session, ctx, "crm.deal.updated", (
        {"deal_id": d.id, "name": d.name, "changed": ["contact_ids"], "owner_id": d.owner_id,
         "actor_id": actor_id} for d in sorted(touched)))
