"""Custom field values on clients, contacts and deals: checked on write, shown, filtered,
sorted. The one place the object use cases call for them (ADR 0011); definitions are
managed in `custom_field_definitions.py`.

Only active definitions count: an archived definition's values stay in the objects'
JSONB but are no longer checked, shown, filterable or sortable (docs/rpc/crm.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from services.crm.domain import custom_fields as rules
from services.crm.models import CustomFieldDefinition, Member
from shared.errors import ValidationFailed
from shared.tenancy import USER_KEY

ENTITIES = rules.ENTITIES
NO_SUCH_FIELD = "No such custom field."


def active_definitions(session: Session, entity: str) -> dict[str, CustomFieldDefinition]:
    """The entity's active definitions by key (one query)."""
    rows = session.execute(
        select(CustomFieldDefinition).where(CustomFieldDefinition.entity == entity,
                                            CustomFieldDefinition.archived_at.is_(None))
    ).scalars()
    return {d.key: d for d in rows}


def checked_values(
    session: Session, entity: str, values: dict[str, Any], *,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The object's new `custom` column: `current` with `values` applied (a `None` value
    clears a field), each value checked against its definition; required fields must end
    up set. Errors are keyed `custom.<key>`.

    `current=None` means a new object. A value equal to what the object holds is kept
    unchecked (a form sends back an option since removed); values of archived fields
    are kept as they are. Required fields are enforced on create and whenever an update
    touches custom values, so making a field required never breaks an existing object.
    """
    if current is not None and not values:
        return dict(current)
    definitions = active_definitions(session, entity)
    result = dict(current or {})
    errors: dict[str, list[str]] = {}
    users: dict[str, str] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom.{key}"] = [NO_SUCH_FIELD]
            continue
        held = result.get(key)
        if value is not None and value == held:
            continue
        try:
            stored = rules.check_value(definition.type, value, held=held,
                                       options=[o["value"] for o in definition.options])
        except rules.ValueRefused as refused:
            errors[f"custom.{key}"] = [str(refused)]
            continue
        if stored is None:
            result.pop(key, None)
        else:
            result[key] = stored
            if definition.type == "user":
                users[key] = stored
    _refuse_non_members(session, users, errors)
    for key, definition in definitions.items():
        if definition.required and result.get(key) is None and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = ["Required."]
    if errors:
        raise ValidationFailed("Invalid custom field values.", errors)
    return result


def _refuse_non_members(session: Session, users: dict[str, str],
                        errors: dict[str, list[str]]) -> None:
    """User fields name active members; the caller always qualifies (their token proves
    membership before identity's event may have reached crm), as for owners."""
    caller = session.info.get(USER_KEY)
    wanted = {uuid.UUID(u) for u in users.values()} - {caller}
    if not wanted:
        return
    active = set(session.execute(
        select(Member.user_id).where(Member.user_id.in_(wanted), Member.active.is_(True))
    ).scalars())
    for key, user_id in users.items():
        if uuid.UUID(user_id) != caller and uuid.UUID(user_id) not in active:
            errors[f"custom.{key}"] = ["Must be the id of an active member of your tenant."]


def shown_values(session: Session, entity: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function `custom column -> dict shown`: values of archived (or unknown) fields
    hidden. One query per call, so call it once per page."""
    keys = frozenset(session.execute(
        select(CustomFieldDefinition.key).where(CustomFieldDefinition.entity == entity,
                                                CustomFieldDefinition.archived_at.is_(None))
    ).scalars())

    def shown(custom: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in custom.items() if k in keys}

    return shown


def filter_clauses(session: Session, entity: str, column: Any,
                   filters: dict[str, str]) -> list[ColumnElement[bool]]:
    """WHERE clauses for `custom[<key>]=<value>` filters on `column` (the JSONB column):
    containment (`custom @> {"key": value}`), which the GIN jsonb_path_ops index serves."""
    if not filters:
        return []
    definitions = active_definitions(session, entity)
    clauses: list[ColumnElement[bool]] = []
    errors: dict[str, list[str]] = {}
    for key, raw in filters.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom.{key}"] = [NO_SUCH_FIELD]
            continue
        try:
            clauses.append(column.contains({key: rules.filter_value(definition.type, raw)}))
        except rules.ValueRefused as refused:
            errors[f"custom.{key}"] = [str(refused)]
    if errors:
        raise ValidationFailed("Invalid custom field filters.", errors)
    return clauses


def sort_expression(session: Session, entity: str, column: Any, key: str) -> Any:
    """A NOT NULL sort expression for `sort=custom.<key>`, or ValidationFailed.

    Objects without a value sort as the lowest value (first ascending, last descending).
    The expression's SQL type is what keyset cursors decode their key with: numbers,
    decimals and money amounts NUMERIC (Decimal), texts and dates TEXT, booleans and
    single-selects INTEGER (false < true; options in the definition's order).
    """
    definition = active_definitions(session, entity).get(key)
    if definition is None:
        raise ValidationFailed("Unknown sort.", {"sort": [f"No custom field {key!r}."]})
    kind = rules.SORT_KINDS.get(definition.type)
    node = column[key]
    if kind == "text":
        return type_coerce(func.coalesce(node.astext, literal("", Text)), Text)
    if kind in ("number", "decimal", "money"):
        if kind == "money":
            node = node["amount"]
        guard = (func.jsonb_typeof(node) == "number" if kind == "number"
                 else node.astext.regexp_match(r"^-?[0-9]+(\.[0-9]+)?$"))
        number = case((guard, cast(node.astext, Numeric)))
        return cast(func.coalesce(number, literal(rules.MISSING_NUMBER, Numeric)), Numeric)
    if kind == "boolean":
        return cast(case((node.astext == "true", 2), (node.astext == "false", 1), else_=0),
                    Integer)
    if kind == "option":
        ranks = [(node.astext == o["value"], i + 1) for i, o in enumerate(definition.options)]
        return cast(case(*ranks, else_=0), Integer)
    raise ValidationFailed("Unknown sort.",
                           {"sort": [f"{key!r} ({definition.type}) has no order."]})
