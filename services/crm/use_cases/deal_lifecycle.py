"""A deal's life after its creation: moves between stages (and within one), won, lost,
reopened. Each is one event; the state rules are domain/deals.py."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.crm.domain import deals as rules
from services.crm.domain.permissions import Action
from services.crm.models import Deal, Stage
from services.crm.use_cases.common import caller
from services.crm.use_cases.deal_ranks import end_of_stage, last_rank, rank_in
from services.crm.use_cases.deals import client_of, contact_ids_of, load_deal, money, present
from services.crm.use_cases.pipelines import active_stages, live_pipeline, live_stage
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import NotFound, Unprocessable, ValidationFailed
from shared.money import Money
from shared.outbox import record_event


def move_deal(session: Session, ctx: CallContext, *, deal_id: uuid.UUID,
              stage_id: uuid.UUID | None = None, before_id: uuid.UUID | None = None,
              after_id: uuid.UUID | None = None, expected_version: int | None = None
              ) -> dict[str, Any]:
    """Put an open deal in a stage of its pipeline (default: its own), right after
    `after_id` or right before `before_id` (default: last). One row changes, unless the
    neighbours' ranks touch and the stage is renumbered first."""
    user_id = caller(ctx, Action.WRITE)
    if before_id is not None and after_id is not None:
        raise ValidationFailed("Give one neighbour.", {
            "before_id": ["Give before_id or after_id, not both."]})
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    rules.check_can_move(deal.status)
    source = session.get(Stage, deal.stage_id)
    assert source is not None
    target = source
    if stage_id is not None and stage_id != deal.stage_id:
        try:
            target = live_stage(session, stage_id, deal.pipeline_id)
        except NotFound:
            raise ValidationFailed("Not a stage of this deal's pipeline.", {
                "stage_id": ["Must be an active stage of the deal's pipeline (moving to "
                             "another pipeline is not supported)."]}) from None
    deal.rank = rank_in(session, deal, target.id, before_id, after_id)
    deal.stage_id = target.id
    session.flush()
    if target.id != source.id:
        _record_stage_change(session, ctx, deal, source, target, user_id)
    else:
        record_event(session, ctx, "crm.deal.updated", {
            "deal_id": deal.id, "name": deal.name, "changed": ["rank"],
            "owner_id": deal.owner_id, "actor_id": user_id})
    return present(session, deal)


def _record_stage_change(session: Session, ctx: CallContext, deal: Deal, source: Stage,
                         target: Stage, user_id: uuid.UUID) -> None:
    record_event(session, ctx, "crm.deal.stage_changed", {
        "deal_id": deal.id, "name": deal.name, "pipeline_id": deal.pipeline_id,
        "from_stage_id": source.id, "from_stage_name": source.name,
        "from_probability": source.probability, "to_stage_id": target.id,
        "to_stage_name": target.name, "to_probability": target.probability,
        "actor_id": user_id})


def move_open_deals(session: Session, ctx: CallContext, source: Stage, target: Stage) -> None:
    """Every open deal of `source` to the end of `target`, in order (a stage's archival)."""
    user_id = uuid.UUID(str(ctx.user_id))
    rank = last_rank(session, target.id)
    moving = session.execute(
        select(Deal).where(Deal.stage_id == source.id, Deal.status == "open")
        .order_by(Deal.rank, Deal.id)).scalars().all()
    for deal in moving:
        rank = rules.rank_between(rank, None)
        assert rank is not None
        deal.stage_id, deal.rank = target.id, rank
        _record_stage_change(session, ctx, deal, source, target, user_id)
    session.flush()


def mark_won(session: Session, ctx: CallContext, *, deal_id: uuid.UUID,
             amount: Money | None = None, expected_version: int | None = None
             ) -> dict[str, Any]:
    """Won with the agreed amount (default: the deal's amount), in the deal's currency."""
    user_id = caller(ctx, Action.WRITE)
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    rules.check_can_close(deal.status, rules.WON)
    if amount is not None and amount.currency != deal.currency:
        raise ValidationFailed("Another currency.", {
            "amount.currency": [f"Must be the deal's currency, {deal.currency}."]})
    client = client_of(session, deal.client_id)
    deal.status = rules.WON
    deal.won_amount = deal.amount if amount is None else amount.amount
    deal.closed_at = utcnow()
    session.flush()
    record_event(session, ctx, "crm.deal.won", {
        "deal_id": deal.id, "name": deal.name, "client_id": client.id,
        "client_name": client.name, "amount": money(deal.won_amount, deal.currency),
        "owner_id": deal.owner_id, "contact_ids": contact_ids_of(session, deal),
        "pipeline_id": deal.pipeline_id, "closed_at": deal.closed_at, "actor_id": user_id})
    return present(session, deal)


def mark_lost(session: Session, ctx: CallContext, *, deal_id: uuid.UUID, reason: str,
              expected_version: int | None = None) -> dict[str, Any]:
    user_id = caller(ctx, Action.WRITE)
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    rules.check_can_close(deal.status, rules.LOST)
    deal.status, deal.lost_reason, deal.closed_at = rules.LOST, reason, utcnow()
    session.flush()
    record_event(session, ctx, "crm.deal.lost", {
        "deal_id": deal.id, "name": deal.name, "client_id": deal.client_id,
        "owner_id": deal.owner_id, "reason": reason, "closed_at": deal.closed_at,
        "actor_id": user_id})
    return present(session, deal)


def reopen_deal(session: Session, ctx: CallContext, *, deal_id: uuid.UUID,
                stage_id: uuid.UUID | None = None, expected_version: int | None = None
                ) -> dict[str, Any]:
    """Open again, at the end of `stage_id` (default: the stage it closed in, or the
    pipeline's first if that one was archived). The won amount and lost reason go."""
    user_id = caller(ctx, Action.WRITE)
    deal = load_deal(session, deal_id)
    check_version(deal, expected_version)
    rules.check_can_reopen(deal.status)
    try:
        pipeline = live_pipeline(session, deal.pipeline_id)
    except NotFound:
        raise Unprocessable("The deal's pipeline is archived.") from None
    if stage_id is not None:
        try:
            stage = live_stage(session, stage_id, pipeline.id)
        except NotFound:
            raise ValidationFailed("Not a stage of this deal's pipeline.", {
                "stage_id": ["Must be an active stage of the deal's pipeline."]}) from None
    else:
        current = session.get(Stage, deal.stage_id)
        stage = (current if current is not None and current.archived_at is None
                 else active_stages(session, [pipeline.id])[pipeline.id][0])
    from_status = deal.status
    deal.status, deal.stage_id = rules.OPEN, stage.id
    deal.won_amount = deal.lost_reason = deal.closed_at = None
    deal.rank = end_of_stage(session, stage.id, without=deal.id)
    session.flush()
    record_event(session, ctx, "crm.deal.reopened", {
        "deal_id": deal.id, "name": deal.name, "from_status": from_status,
        "stage_id": stage.id, "owner_id": deal.owner_id, "actor_id": user_id})
    return present(session, deal)
