"""The forecast: sums per month, owner and stage from SQL, the arithmetic in domain/forecast.

One currency per forecast (no exchange rates here): deals in other currencies are left
out and counted. Open deals count by the month they are expected to close (undated ones
are left out and counted); won and lost deals by the month (UTC) they closed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, cast, func, select
from sqlalchemy.orm import Session

from services.crm.domain import forecast as rules
from services.crm.domain.permissions import Action
from services.crm.models import Deal, Pipeline, Stage
from services.crm.use_cases.common import caller, check_filter_ids
from services.crm.use_cases.members import check_owner_filter, owner_names
from shared.call_context import CallContext
from shared.errors import ValidationFailed

OPEN_MONTH = cast(func.date_trunc("month", cast(Deal.expected_close_date, DateTime())), Date)
CLOSED_MONTH = cast(func.date_trunc("month", func.timezone("UTC", Deal.closed_at)), Date)


def _check_range(start: date, end: date) -> None:
    problems = rules.range_problems(start, end)
    if problems:
        raise ValidationFailed("Invalid forecast range.", problems)


def _scope(pipeline_id: uuid.UUID | None, owner_id: uuid.UUID | None
           ) -> list[ColumnElement[bool]]:
    """The optional narrowing to one pipeline or one owner."""
    clauses = []
    if pipeline_id is not None:
        clauses.append(Deal.pipeline_id == pipeline_id)
    if owner_id is not None:
        clauses.append(Deal.owner_id == owner_id)
    return clauses


def forecast(session: Session, ctx: CallContext, *, start: date, end: date, currency: str,
             pipeline_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None
             ) -> dict[str, Any]:
    user_id = caller(ctx, Action.READ)
    _check_range(start, end)
    check_filter_ids(session, (Pipeline, pipeline_id, "pipeline"))
    check_owner_filter(session, user_id, owner_id)
    other_currencies: dict[str, int] = {}

    scope = _scope(pipeline_id, owner_id)
    open_rows = session.execute(
        select(OPEN_MONTH, Deal.owner_id, Deal.stage_id, Deal.currency, func.count(),
               func.sum(Deal.amount))
        .where(Deal.status == "open", Deal.expected_close_date >= start,
               Deal.expected_close_date <= end, *scope)
        .group_by(OPEN_MONTH, Deal.owner_id, Deal.stage_id, Deal.currency)).all()
    open_sums = []
    for month, owner, stage, row_currency, count, amount in open_rows:
        if row_currency != currency:
            other_currencies[row_currency] = other_currencies.get(row_currency, 0) + count
        else:
            open_sums.append(rules.OpenSum(month, owner, stage, count, amount))

    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    closed_rows = session.execute(
        select(CLOSED_MONTH, Deal.owner_id, Deal.status, Deal.currency, func.count(),
               func.sum(Deal.won_amount))
        .where(Deal.status.in_(("won", "lost")), Deal.closed_at >= since,
               Deal.closed_at < until, *scope)
        .group_by(CLOSED_MONTH, Deal.owner_id, Deal.status, Deal.currency)).all()
    closed_sums = []
    for month, owner, status, row_currency, count, won in closed_rows:
        if row_currency != currency:
            other_currencies[row_currency] = other_currencies.get(row_currency, 0) + count
        else:
            closed_sums.append(rules.ClosedSum(month, owner, status, count,
                                               won or rules.ZERO))

    undated = session.execute(
        select(func.count()).select_from(Deal)
        .where(Deal.status == "open", Deal.expected_close_date.is_(None), *scope)
    ).scalar_one()

    stages = {row.id: row for row in session.execute(
        select(Stage.id, Stage.name, Stage.probability, Stage.pipeline_id, Stage.position,
               Pipeline.position.label("pipeline_position"))
        .join(Pipeline, Pipeline.id == Stage.pipeline_id))}
    result = rules.roll_up(open_sums, closed_sums,
                           {sid: s.probability for sid, s in stages.items()},
                           months=rules.months_between(start, end))
    return _view(session, result, stages, currency=currency, start=start, end=end,
                 pipeline_id=pipeline_id, owner_id=owner_id,
                 excluded={"other_currencies": dict(sorted(other_currencies.items())),
                           "open_without_close_date": undated})


def _view(session: Session, result: rules.Forecast, stages: dict[Any, Any], *,
          currency: str, start: date, end: date, pipeline_id: uuid.UUID | None,
          owner_id: uuid.UUID | None, excluded: dict[str, Any]) -> dict[str, Any]:
    names = owner_names(session, set(result.by_owner))
    owners = sorted(result.by_owner.items(),
                    key=lambda item: (names.get(item[0]) or "", str(item[0])))
    by_stage = sorted(result.by_stage.items(), key=lambda item: (
        stages[item[0]].pipeline_position, str(stages[item[0]].pipeline_id),
        stages[item[0]].position))
    return {
        "currency": currency,
        "from": start,
        "to": end,
        "pipeline_id": pipeline_id,
        "owner_id": owner_id,
        "totals": result.total.shown(currency),
        "by_month": [{"month": month.strftime("%Y-%m"), **bucket.shown(currency)}
                     for month, bucket in sorted(result.by_month.items())],
        "by_owner": [{"owner_id": owner, "owner_name": names.get(owner),
                      **bucket.shown(currency)} for owner, bucket in owners],
        "by_stage": [_stage_entry(stages[stage_id], bucket, currency)
                     for stage_id, bucket in by_stage],
        "excluded": excluded,
    }


def _stage_entry(stage: Any, bucket: rules.Bucket, currency: str) -> dict[str, Any]:
    shown = bucket.shown(currency)
    return {"stage_id": stage.id, "stage_name": stage.name, "pipeline_id": stage.pipeline_id,
            "probability": stage.probability, "open_count": shown["open_count"],
            "open_amount": shown["open_amount"], "weighted": shown["weighted"]}
