"""Custom field definitions: admins and owners manage them, every member reads them.

`key` and `type` never change (stored values would no longer fit); deleting archives.
Creating an archived key again with the same type revives the definition (its stored
values reappear); with another type it is refused (409), so old values never meet a new
type. Rules: docs/rpc/crm.md#custom-fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.crm.domain import custom_fields as rules
from services.crm.domain.permissions import Action
from services.crm.models import CustomFieldDefinition
from services.crm.use_cases.common import caller, get_or_404
from shared.call_context import CallContext
from shared.db import check_version, utcnow
from shared.errors import Conflict, Unprocessable
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

SORTS = {"position": CustomFieldDefinition.position, "key": CustomFieldDefinition.key,
         "created_at": CustomFieldDefinition.created_at}


def definition_view(d: CustomFieldDefinition) -> dict[str, Any]:
    return {
        "id": d.id, "entity": d.entity, "key": d.key, "label": d.label, "type": d.type,
        "required": d.required, "options": d.options, "position": d.position,
        "archived_at": d.archived_at, "created_at": d.created_at, "updated_at": d.updated_at,
        "version": d.version,
    }


def _event(session: Session, ctx: CallContext, event_type: str, d: CustomFieldDefinition,
           actor_id: uuid.UUID, **extra: Any) -> None:
    record_event(session, ctx, event_type, {
        "custom_field_id": d.id, "entity": d.entity, "key": d.key, "label": d.label,
        "type": d.type, "actor_id": actor_id, **extra,
    })


def create_custom_field(
    session: Session, ctx: CallContext, *, entity: str, key: str, label: str, type: str,
    required: bool = False, options: list[dict[str, Any]] | None = None,
    position: int | None = None,
) -> dict[str, Any]:
    user_id = caller(ctx, Action.MANAGE)
    key = rules.check_key(key)
    checked_options = rules.check_options(type, options)
    existing = session.execute(
        select(CustomFieldDefinition).where(CustomFieldDefinition.entity == entity,
                                            CustomFieldDefinition.key == key)
        .with_for_update()
    ).scalar_one_or_none()
    if existing is not None and existing.archived_at is None:
        raise Conflict(f"The {entity} field {key!r} exists already.")
    if existing is not None and existing.type != type:
        raise Conflict(
            f"An archived {entity} field used the key {key!r} with type {existing.type!r}; "
            "objects may still hold its values, so choose another key "
            f"(or create it again as {existing.type!r} to revive it)."
        )
    _refuse_too_many(session, entity)
    if position is None:
        position = _next_position(session, entity)
    if existing is not None:
        existing.archived_at = None
        existing.label, existing.required = label, required
        existing.options, existing.position = checked_options, position
        session.flush()
        _event(session, ctx, "crm.custom_field.restored", existing, user_id)
        return definition_view(existing)
    definition = CustomFieldDefinition(entity=entity, key=key, label=label, type=type,
                                       required=required, options=checked_options,
                                       position=position)
    session.add(definition)
    session.flush()
    _event(session, ctx, "crm.custom_field.created", definition, user_id, required=required)
    return definition_view(definition)


def _active_count(session: Session, entity: str) -> int:
    return session.execute(
        select(func.count()).select_from(CustomFieldDefinition)
        .where(CustomFieldDefinition.entity == entity,
               CustomFieldDefinition.archived_at.is_(None))
    ).scalar_one()


def _refuse_too_many(session: Session, entity: str) -> None:
    if _active_count(session, entity) >= rules.MAX_FIELDS_PER_ENTITY:
        raise Unprocessable(
            f"A tenant can have {rules.MAX_FIELDS_PER_ENTITY} active {entity} fields at most; "
            "archive one first."
        )


def _next_position(session: Session, entity: str) -> int:
    highest = session.execute(
        select(func.max(CustomFieldDefinition.position))
        .where(CustomFieldDefinition.entity == entity)
    ).scalar_one()
    return 0 if highest is None else highest + 1


def get_custom_field(session: Session, ctx: CallContext, *,
                     custom_field_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    return definition_view(_get(session, custom_field_id))


def _get(session: Session, custom_field_id: Any) -> CustomFieldDefinition:
    return get_or_404(session, CustomFieldDefinition, custom_field_id, "custom field")


def list_custom_fields(
    session: Session, ctx: CallContext, *, entity: str | None = None,
    include_archived: bool = False, limit: int = 25, cursor: str | None = None,
    include_total: bool = False, sort: str = "position",
) -> dict[str, Any]:
    """A form's fields in order: `entity=client`, sorted by position (then id)."""
    caller(ctx, Action.READ)
    request = PageRequest.parse(collection="crm.custom_fields", sorts=SORTS,
                                tiebreaker=CustomFieldDefinition.id, sort=sort,
                                default_sort="position", limit=limit, cursor=cursor,
                                include_total=include_total)
    stmt: Select[Any] = select(CustomFieldDefinition)
    if entity:
        stmt = stmt.where(CustomFieldDefinition.entity == entity)
    if not include_archived:
        stmt = stmt.where(CustomFieldDefinition.archived_at.is_(None))
    return paginate(session, stmt, request, definition_view)


def update_custom_field(
    session: Session, ctx: CallContext, *, custom_field_id: uuid.UUID,
    expected_version: int | None = None, **changes: Any,
) -> dict[str, Any]:
    """Change label, required, options or position. Removing an option keeps the values
    objects hold (shown and filterable as before); only new writes of it are refused."""
    user_id = caller(ctx, Action.MANAGE)
    definition = _get(session, custom_field_id)
    check_version(definition, expected_version)
    if definition.archived_at is not None:
        raise Unprocessable("This custom field is archived; create it again to revive it.")
    if "options" in changes:
        changes["options"] = rules.check_options(definition.type, changes["options"])
    changed = sorted(name for name, value in changes.items()
                     if getattr(definition, name) != value)
    for name in changed:
        setattr(definition, name, changes[name])
    if changed:
        session.flush()
        _event(session, ctx, "crm.custom_field.updated", definition, user_id, changed=changed)
    return definition_view(definition)


def archive_custom_field(
    session: Session, ctx: CallContext, *, custom_field_id: uuid.UUID,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Archive (the API's DELETE): values stay in the objects, no longer checked, shown,
    filtered or sorted. Archiving an archived field changes nothing."""
    user_id = caller(ctx, Action.MANAGE)
    definition = _get(session, custom_field_id)
    check_version(definition, expected_version)
    if definition.archived_at is None:
        definition.archived_at = utcnow()
        session.flush()
        _event(session, ctx, "crm.custom_field.archived", definition, user_id)
    return definition_view(definition)
