"""Kanban ranks of open deals within a stage: where a card goes, renumbering when needed.

`rank` (BIGINT) orders a stage's open cards ascending, with gaps (domain/deals.py), so a
card placed between two neighbours takes their midpoint and only its own row changes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, literal, select, tuple_, update
from sqlalchemy.orm import Session

from services.crm.domain import deals as rules
from services.crm.models import Deal
from shared.errors import ValidationFailed


def last_rank(session: Session, stage_id: uuid.UUID, *, without: uuid.UUID | None = None
              ) -> int | None:
    """The highest rank among the stage's open cards (but `without`), None when empty."""
    stmt = select(func.max(Deal.rank)).where(Deal.stage_id == stage_id, Deal.status == "open")
    if without is not None:
        stmt = stmt.where(Deal.id != without)
    return session.execute(stmt).scalar_one()


def end_of_stage(session: Session, stage_id: uuid.UUID, without: uuid.UUID | None = None
                 ) -> int:
    """The rank of a card put last in the stage."""
    rank = rules.rank_between(last_rank(session, stage_id, without=without), None)
    assert rank is not None
    return rank


def rank_in(session: Session, deal: Deal, stage_id: uuid.UUID, before_id: uuid.UUID | None,
            after_id: uuid.UUID | None) -> int:
    """The deal's rank right after `after_id`, right before `before_id`, or last."""
    for attempt in range(2):
        low, high = _bounds(session, deal.id, stage_id, before_id, after_id)
        rank = rules.rank_between(low, high)
        if rank is not None:
            return rank
        if attempt == 0:
            _renumber_stage(session, stage_id, without=deal.id)
    raise AssertionError("a renumbered stage has gaps")


def _bounds(session: Session, deal_id: uuid.UUID, stage_id: uuid.UUID,
            before_id: uuid.UUID | None, after_id: uuid.UUID | None
            ) -> tuple[int | None, int | None]:
    """The ranks the deal goes between (column reads: a renumbering may have just run)."""
    others = select(Deal.rank).where(Deal.stage_id == stage_id, Deal.status == "open",
                                     Deal.id != deal_id)
    neighbour_id, field = (after_id, "after_id") if after_id is not None else (before_id,
                                                                              "before_id")
    if neighbour_id is None:
        return last_rank(session, stage_id, without=deal_id), None
    neighbour = session.execute(
        select(Deal.rank).where(Deal.id == neighbour_id, Deal.stage_id == stage_id,
                                Deal.status == "open", Deal.id != deal_id)
    ).scalar_one_or_none()
    if neighbour is None:
        raise ValidationFailed("No such neighbour.", {
            field: ["Must be another open deal in the target stage."]})
    key, bound = tuple_(Deal.rank, Deal.id), tuple_(literal(neighbour), literal(neighbour_id))
    if after_id is not None:
        following = session.execute(
            others.where(key > bound).order_by(Deal.rank, Deal.id).limit(1)).scalar_one_or_none()
        return neighbour, following
    preceding = session.execute(
        others.where(key < bound).order_by(Deal.rank.desc(), Deal.id.desc()).limit(1)
    ).scalar_one_or_none()
    return preceding, neighbour


def _renumber_stage(session: Session, stage_id: uuid.UUID, without: uuid.UUID) -> None:
    """Evenly gapped ranks for the stage's open cards, in their order, in one statement.
    Not an edit of those deals: their version and updated_at stay."""
    numbered = (
        select(Deal.id.label("id"),
               (func.row_number().over(order_by=(Deal.rank, Deal.id)) * rules.RANK_GAP)
               .label("rank"))
        .where(Deal.stage_id == stage_id, Deal.status == "open", Deal.id != without)
        .subquery()
    )
    session.execute(
        update(Deal).where(Deal.id == numbered.c.id)
        .values(rank=numbered.c.rank, updated_at=Deal.updated_at)
        .execution_options(synchronize_session=False)
    )
