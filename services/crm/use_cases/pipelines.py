"""Pipelines and their stages: the default every tenant has, and admins' changes to them.

Readable by every member, managed by owners and admins. A tenant gets its default
pipeline without setup: when identity announces the tenant, or lazily on first use (a
transaction-scoped advisory lock makes two first uses create one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.crm.domain import pipelines as rules
from services.crm.domain.permissions import Action
from services.crm.models import Deal, Pipeline, Stage
from services.crm.use_cases.common import caller, get_or_404
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import NotFound, ValidationFailed
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate
from shared.tenancy import lock_within_tenant

PIPELINE_SORTS = {"position": Pipeline.position, "name": Pipeline.name,
                  "created_at": Pipeline.created_at}


def stage_view(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.id,
        "pipeline_id": stage.pipeline_id,
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "archived_at": stage.archived_at,
        "version": stage.version,
    }


def pipeline_view(pipeline: Pipeline, stages: Sequence[Stage]) -> dict[str, Any]:
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "position": pipeline.position,
        "archived_at": pipeline.archived_at,
        "stages": [stage_view(s) for s in stages],
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
        "version": pipeline.version,
    }


def active_stages(session: Session, pipeline_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID,
                                                                              list[Stage]]:
    """Active stages of some pipelines, in order (one query)."""
    found: dict[uuid.UUID, list[Stage]] = {pid: [] for pid in pipeline_ids}
    if not pipeline_ids:
        return found
    rows = session.execute(
        select(Stage).where(Stage.pipeline_id.in_(pipeline_ids), Stage.archived_at.is_(None))
        .order_by(Stage.pipeline_id, Stage.position, Stage.id)
    ).scalars()
    for stage in rows:
        found[stage.pipeline_id].append(stage)
    return found


def present(session: Session, pipeline: Pipeline) -> dict[str, Any]:
    return pipeline_view(pipeline, active_stages(session, [pipeline.id])[pipeline.id])


def _stages_data(stages: Sequence[Stage]) -> list[dict[str, Any]]:
    return [{"stage_id": s.id, "name": s.name, "probability": s.probability,
             "position": s.position} for s in stages]


def _created_event(session: Session, ctx: CallContext, pipeline: Pipeline,
                   actor_id: uuid.UUID) -> None:
    record_event(session, ctx, "crm.pipeline.created", {
        "pipeline_id": pipeline.id, "name": pipeline.name, "is_default": pipeline.is_default,
        "stages": _stages_data(active_stages(session, [pipeline.id])[pipeline.id]),
        "actor_id": actor_id})


def _updated_event(session: Session, ctx: CallContext, pipeline: Pipeline,
                   changed: list[str], actor_id: uuid.UUID) -> None:
    record_event(session, ctx, "crm.pipeline.updated", {
        "pipeline_id": pipeline.id, "name": pipeline.name, "is_default": pipeline.is_default,
        "changed": changed, "actor_id": actor_id})


def _stages_changed(session: Session, ctx: CallContext, pipeline: Pipeline, change: str,
                  stage: Stage | None, actor_id: uuid.UUID, changed: Sequence[str] = ()
                  ) -> None:
    """A stage change is a change of its pipeline (its view lists the stages): the
    pipeline gets a new version (ETag) and `updated_at`, then the change is announced."""
    pipeline.updated_at = utcnow()
    session.flush()
    record_event(session, ctx, "crm.pipeline.stages_changed", {
        "pipeline_id": pipeline.id, "name": pipeline.name, "change": change,
        "stage_id": stage.id if stage else None, "stage_name": stage.name if stage else None,
        "changed": list(changed),
        "stages": _stages_data(active_stages(session, [pipeline.id])[pipeline.id]),
        "actor_id": actor_id})


def _default(session: Session) -> Pipeline | None:
    return session.execute(select(Pipeline).where(Pipeline.is_default)).scalar_one_or_none()


def ensure_default_pipeline(session: Session, ctx: CallContext,
                            actor_id: uuid.UUID | None = None) -> Pipeline:
    """The tenant's default pipeline, created with the standard stages if it has none
    (announced as made by `actor_id`, else by the caller)."""
    found = _default(session)
    if found is not None:
        return found
    lock_within_tenant(session, "crm.default_pipeline")
    found = _default(session)
    if found is not None:
        return found
    pipeline = Pipeline(name=rules.DEFAULT_PIPELINE_NAME, is_default=True, position=0)
    session.add(pipeline)
    session.flush()
    for position, (name, probability) in enumerate(rules.DEFAULT_STAGES):
        session.add(Stage(pipeline_id=pipeline.id, name=name, probability=probability,
                          position=position))
    session.flush()
    _created_event(session, ctx, pipeline, actor_id or uuid.UUID(str(ctx.user_id)))
    return pipeline


def live_pipeline(session: Session, pipeline_id: Any) -> Pipeline:
    pipeline = get_or_404(session, Pipeline, pipeline_id, "pipeline")
    if pipeline.archived_at is not None:
        raise NotFound("No such pipeline.")
    return pipeline


def live_stage(session: Session, stage_id: Any, pipeline_id: Any = None) -> Stage:
    """An active stage (of `pipeline_id` when given); another's is simply not found."""
    stage = get_or_404(session, Stage, stage_id, "stage")
    if stage.archived_at is not None or (pipeline_id is not None
                                         and stage.pipeline_id != pipeline_id):
        raise NotFound("No such stage.")
    return stage


def list_pipelines(session: Session, ctx: CallContext, *, limit: int = 25,
                   cursor: str | None = None, include_total: bool = False,
                   sort: str = "position") -> dict[str, Any]:
    caller(ctx, Action.READ)
    ensure_default_pipeline(session, ctx)
    request = PageRequest.parse(collection="crm.pipelines", sorts=PIPELINE_SORTS,
                                tiebreaker=Pipeline.id, sort=sort, default_sort="position",
                                limit=limit, cursor=cursor, include_total=include_total)
    stmt = select(Pipeline).where(Pipeline.archived_at.is_(None))
    page = paginate(session, stmt, request, lambda p: p)
    rows: list[Pipeline] = page["data"]
    stages = active_stages(session, [p.id for p in rows])
    page["data"] = [pipeline_view(p, stages[p.id]) for p in rows]
    return page


def get_pipeline(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID
                 ) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return present(session, live_pipeline(session, pipeline_id))


def create_pipeline(session: Session, ctx: CallContext, *, name: str,
                    stages: list[dict[str, Any]] | None = None,
                    is_default: bool = False) -> dict[str, Any]:
    user_id = caller(ctx, Action.MANAGE)
    wanted = stages if stages is not None else [
        {"name": n, "probability": p} for n, p in rules.DEFAULT_STAGES]
    rules.check_new_stages(wanted)
    current_default = ensure_default_pipeline(session, ctx)
    last = session.execute(select(func.max(Pipeline.position))).scalar_one() or 0
    if is_default:
        _unset_default(session, ctx, current_default, user_id)
    pipeline = Pipeline(name=name, is_default=is_default, position=last + 1)
    session.add(pipeline)
    session.flush()
    for position, stage in enumerate(wanted):
        session.add(Stage(pipeline_id=pipeline.id, name=stage["name"],
                          probability=stage["probability"], position=position))
    session.flush()
    _created_event(session, ctx, pipeline, user_id)
    return present(session, pipeline)


def _unset_default(session: Session, ctx: CallContext, pipeline: Pipeline,
                   actor_id: uuid.UUID) -> None:
    pipeline.is_default = False
    session.flush()  # before another row claims the partial unique index
    _updated_event(session, ctx, pipeline, ["is_default"], actor_id)


def update_pipeline(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
                    expected_version: int | None = None, name: str | None = None,
                    is_default: bool | None = None) -> dict[str, Any]:
    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    check_version(pipeline, expected_version)
    changed = []
    if name is not None and name != pipeline.name:
        pipeline.name = name
        changed.append("name")
    if is_default is False and pipeline.is_default:
        raise ValidationFailed("A tenant keeps a default pipeline.", {
            "is_default": ["Make another pipeline the default instead."]})
    if is_default and not pipeline.is_default:
        current = _default(session)
        if current is not None:
            _unset_default(session, ctx, current, user_id)
        pipeline.is_default = True
        changed.append("is_default")
    if changed:
        session.flush()
        _updated_event(session, ctx, pipeline, changed, user_id)
    return present(session, pipeline)


def archive_pipeline(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
                     expected_version: int | None = None) -> None:
    """Archived, not deleted: its won and lost deals keep their history."""
    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    check_version(pipeline, expected_version)
    open_deals = _open_deals(session, Deal.pipeline_id == pipeline.id)
    rules.check_can_archive_pipeline(pipeline.is_default, open_deals)
    pipeline.archived_at = utcnow()
    session.flush()
    record_event(session, ctx, "crm.pipeline.archived", {
        "pipeline_id": pipeline.id, "name": pipeline.name, "actor_id": user_id})


def _open_deals(session: Session, *where: Any) -> int:
    return int(session.execute(
        select(func.count()).select_from(Deal).where(Deal.status == "open", *where)
    ).scalar_one())


def add_stage(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID, name: str,
              probability: int, position: int | None = None) -> dict[str, Any]:
    """A new stage at `position` (0 = first; default last); later stages shift down."""
    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    stages = active_stages(session, [pipeline.id])[pipeline.id]
    if len(stages) >= rules.MAX_STAGES:
        raise ValidationFailed("Too many stages.", {"name": [f"At most {rules.MAX_STAGES}."]})
    rules.check_unique_names([*(s.name for s in stages), name])
    at = len(stages) if position is None else min(position, len(stages))
    stage = Stage(pipeline_id=pipeline.id, name=name, probability=probability, position=at)
    _renumber([*stages[:at], stage, *stages[at:]])
    session.add(stage)
    session.flush()
    _stages_changed(session, ctx, pipeline, "added", stage, user_id)
    return stage_view(stage)


def _renumber(stages: Sequence[Stage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            stage.position = position


def update_stage(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
                 stage_id: uuid.UUID, expected_version: int | None = None,
                 name: str | None = None, probability: int | None = None) -> dict[str, Any]:
    """Rename or re-weigh a stage (the forecast weighs open deals by the new probability).
    Nothing changed: no new version, no event."""
    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    stage = live_stage(session, stage_id, pipeline.id)
    check_version(stage, expected_version)
    changed = []
    if name is not None and name != stage.name:
        others = [s.name for s in active_stages(session, [pipeline.id])[pipeline.id]
                  if s.id != stage.id]
        rules.check_unique_names([*others, name])
        stage.name = name
        changed.append("name")
    if probability is not None and probability != stage.probability:
        stage.probability = probability
        changed.append("probability")
    if changed:
        session.flush()
        _stages_changed(session, ctx, pipeline, "updated", stage, user_id, changed)
    return stage_view(stage)


def get_stage(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
              stage_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return stage_view(live_stage(session, stage_id, live_pipeline(session, pipeline_id).id))


def reorder_stages(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
                   stage_ids: list[uuid.UUID]) -> dict[str, Any]:
    """The same order again changes nothing (no event)."""
    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    stages = {s.id: s for s in active_stages(session, [pipeline.id])[pipeline.id]}
    rules.check_reorder(list(stages), stage_ids)
    if stage_ids != list(stages):
        _renumber([stages[sid] for sid in stage_ids])
        session.flush()
        _stages_changed(session, ctx, pipeline, "reordered", None, user_id)
    return present(session, pipeline)


def archive_stage(session: Session, ctx: CallContext, *, pipeline_id: uuid.UUID,
                  stage_id: uuid.UUID, move_deals_to: uuid.UUID | None = None,
                  expected_version: int | None = None) -> None:
    """Archive a stage; its open deals (if any) move to `move_deals_to`, each announced
    with crm.deal.stage_changed. Closed deals keep pointing at it (history)."""
    from services.crm.use_cases.deal_lifecycle import move_open_deals  # it imports us

    user_id = caller(ctx, Action.MANAGE)
    pipeline = live_pipeline(session, pipeline_id)
    stage = live_stage(session, stage_id, pipeline.id)
    check_version(stage, expected_version)
    stages = active_stages(session, [pipeline.id])[pipeline.id]
    open_deals = _open_deals(session, Deal.stage_id == stage.id)
    target = None
    if move_deals_to is not None:
        if move_deals_to == stage.id:
            raise ValidationFailed("Move the deals elsewhere.", {
                "move_deals_to": ["Must be another stage of the same pipeline."]})
        try:
            target = live_stage(session, move_deals_to, pipeline.id)
        except NotFound:
            raise ValidationFailed("No such stage.", {
                "move_deals_to": ["Must be an active stage of the same pipeline."]}) from None
    rules.check_can_archive_stage(len(stages), open_deals, target)
    if target is not None and open_deals:
        move_open_deals(session, ctx, stage, target)
    stage.archived_at = utcnow()
    _renumber([s for s in stages if s.id != stage.id])
    session.flush()
    _stages_changed(session, ctx, pipeline, "archived", stage, user_id)


def stage_rows(session: Session, stage_ids: set[uuid.UUID]) -> dict[uuid.UUID, Stage]:
    if not stage_ids:
        return {}
    return {s.id: s for s in session.execute(
        select(Stage).where(Stage.id.in_(stage_ids))).scalars()}

