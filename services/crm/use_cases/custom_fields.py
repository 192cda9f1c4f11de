"""Custom field values on clients, contacts and deals: checked on write, shown, filtered,
sorted. The one place the object use cases call for them (ADR 0011); definitions are
managed in `custom_field_definitions.py`, the query rules are
`domain/custom_field_queries.py`.

Only active definitions count: an archived definition's values stay in the objects'
JSONB but are no longer checked, shown, filterable or sortable (docs/rpc/crm.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from services.crm.domain import custom_field_queries as queries
from services.crm.domain import custom_fields as rules
from services.crm.models import CustomFieldDefinition, Member
from services.crm.use_cases.members import check_filter_user
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
    hidden. One query per call, so call it once per page (a list selects
    `shown_keys_column` with its rows instead)."""
    return only_keys(session.execute(_active_keys(entity)).scalars())


def shown_keys_column(entity: str) -> ColumnElement[Any]:
    """The active fields' keys as one array column (NULL when there are none), for a
    list to read in its rows' statement: a round trip less than `shown_values`."""
    keys = _active_keys(entity).with_only_columns(func.array_agg(CustomFieldDefinition.key))
    return keys.scalar_subquery().label(SHOWN_KEYS)


SHOWN_KEYS = "shown_keys"


def only_keys(keys: Iterable[str] | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function `custom column -> dict shown`, keeping the given keys."""
    kept = frozenset(keys or ())

    def shown(custom: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in custom.items() if k in kept}

    return shown


def _active_keys(entity: str) -> Select[Any]:
    return select(CustomFieldDefinition.key).where(CustomFieldDefinition.entity == entity,
                                                   CustomFieldDefinition.archived_at.is_(None))


@dataclass(frozen=True)
class CustomFieldQuery:
    """A list's custom field filters (`custom`, `custom_min`, `custom_max`), checked
    against the entity's active definitions: the WHERE clauses, and the sort expressions
    they allow. Build it with `list_query`."""

    session: Session
    entity: str
    column: Any
    definitions: dict[str, CustomFieldDefinition] | None
    """None when nothing was filtered: read only if a custom sort asks."""
    filters: dict[str, queries.FieldFilter]
    containment: dict[str, Any] | None
    """One JSONB document every object must contain (`custom @> ...`: the equality and
    currency filters of all keys), or None: a bind parameter of a list's fixed shape."""
    ranges: list[ColumnElement[bool]]
    """The number, decimal, date and money range comparisons, with their values."""

    def sort_expression(self, key: str) -> Any:
        """A NOT NULL sort expression for `sort=custom.<key>`, or ValidationFailed.

        Objects without a value sort as the lowest value (first ascending, last
        descending). The expression's SQL type is what keyset cursors decode their key
        with: numbers, decimals and money amounts NUMERIC (Decimal), texts and dates TEXT,
        booleans and single-selects INTEGER (false < true; options in the definition's
        order). A money field sorts only when the filters fix its currency (ADR 0020).
        """
        definitions = self.definitions
        if definitions is None:
            definitions = active_definitions(self.session, self.entity)
        definition = definitions.get(key)
        if definition is None:
            raise ValidationFailed("Unknown sort.", {"sort": [f"No custom field {key!r}."]})
        held = self.filters.get(key)
        try:
            kind = queries.sort_kind(definition.type, currency=held.currency if held else None)
        except rules.ValueRefused as refused:
            raise ValidationFailed("Unsortable field.", {"sort": [str(refused)]}) from None
        node = self.column[key]
        if kind == "text":
            return type_coerce(func.coalesce(node.astext, literal("", Text)), Text)
        if kind in ("number", "decimal", "money"):
            number = _number(node, kind)
            return cast(func.coalesce(number, literal(rules.MISSING_NUMBER, Numeric)), Numeric)
        if kind == "boolean":
            return cast(case((node.astext == "true", 2), (node.astext == "false", 1),
                             else_=0), Integer)
        ranks = [(node.astext == o["value"], i + 1) for i, o in enumerate(definition.options)]
        return cast(case(*ranks, else_=0), Integer)


def list_query(session: Session, entity: str, column: Any, *,
               equal: dict[str, str] | None = None, minimum: dict[str, str] | None = None,
               maximum: dict[str, str] | None = None) -> CustomFieldQuery:
    """The filters of a list on `column` (the entity's JSONB column), or ValidationFailed
    with errors keyed `custom.<key>`, `custom_min.<key>`, `custom_max.<key>`.

    Equality is containment (`custom @> {"key": value}`), which the GIN jsonb_path_ops
    index serves; a money range is containment of its currency (indexed too) and a
    comparison of the amount; number, decimal and date ranges compare the value on the
    rows the other conditions select (no per-field index: ADR 0020).
    """
    asked = {queries.EQUAL: equal or {}, queries.MINIMUM: minimum or {},
             queries.MAXIMUM: maximum or {}}
    if not any(asked.values()):  # the common list: no query for definitions
        return CustomFieldQuery(session, entity, column, None, {}, None, [])
    definitions = active_definitions(session, entity)
    filters: dict[str, queries.FieldFilter] = {}
    containment: dict[str, Any] = {}
    ranges: list[ColumnElement[bool]] = []
    errors: dict[str, list[str]] = {}
    for key in dict.fromkeys(k for by_key in asked.values() for k in by_key):
        raw = {argument: by_key.get(key) for argument, by_key in asked.items()}
        definition = definitions.get(key)
        if definition is None:
            errors.update({f"{a}.{key}": [NO_SUCH_FIELD] for a, v in raw.items() if v is not None})
            continue
        try:
            wanted = queries.field_filter(definition.type, equal=raw[queries.EQUAL],
                                          low=raw[queries.MINIMUM], high=raw[queries.MAXIMUM])
        except queries.FilterRefused as refused:
            errors.update({f"{a}.{key}": [message] for a, message in refused.errors.items()})
            continue
        filters[key] = wanted
        if wanted.contains is not None:
            containment[key] = wanted.contains
        ranges.extend(_range_clauses(column, key, definition.type, wanted))
    if errors:
        raise ValidationFailed("Invalid custom field filters.", errors)
    for key, wanted in filters.items():
        if definitions[key].type == "user":  # named members on write: filter as owner_id
            check_filter_user(session, session.info.get(USER_KEY), wanted.contains,
                              column.contains({key: wanted.contains}))
    return CustomFieldQuery(session, entity, column, definitions, filters,
                            containment or None, ranges)


def _range_clauses(column: Any, key: str, field_type: str,
                   wanted: queries.FieldFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if wanted.low is None and wanted.high is None:
        return clauses
    node = column[key]
    value: Any = (node.astext if field_type == "date"
                  else _number(node, queries.SORT_KINDS[field_type]))
    if wanted.low is not None:
        clauses.append(value >= wanted.low)
    if wanted.high is not None:
        clauses.append(value <= wanted.high)
    return clauses


def _number(node: Any, kind: str) -> Any:
    """The NUMERIC value of a number, decimal or money field, NULL when the object holds
    none (or something else: the guard runs before the cast, so it never fails)."""
    if kind == "money":
        node = node["amount"]
    guard = (func.jsonb_typeof(node) == "number" if kind == "number"
             else node.astext.regexp_match(r"^-?[0-9]+(\.[0-9]+)?$"))
    return case((guard, cast(node.astext, Numeric)))
