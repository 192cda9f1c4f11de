"""Custom field values on clients, contacts and deals: checked on write, shown, filtered.

The interface the object use cases call. (Definitions management and full validation
by type land with the custom fields work; until then no definitions exist, so any value
is an unknown field.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from shared.errors import ValidationFailed

ENTITIES = ("client", "contact", "deal")


def checked_values(
    session: Session, entity: str, values: dict[str, Any], *,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The object's new `custom` column: `current` with `values` applied (a `None` value
    clears a field), each value checked against its definition; required fields must end
    up set. Errors are keyed `custom.<key>`."""
    if values:
        raise ValidationFailed(
            "Unknown custom fields.", {f"custom.{key}": ["No such custom field."] for key in values}
        )
    return dict(current or {})


def shown_values(session: Session, entity: str) -> Any:
    """A function `custom column -> dict shown`: values of archived definitions hidden."""
    return lambda custom: {}


def filter_clauses(session: Session, entity: str, column: Any,
                   filters: dict[str, str]) -> list[ColumnElement[bool]]:
    """WHERE clauses for `?custom.<key>=<value>` filters on `column` (the JSONB column)."""
    if filters:
        raise ValidationFailed(
            "Unknown custom fields.",
            {f"custom.{key}": ["No such custom field."] for key in filters},
        )
    return []


def sort_expression(session: Session, entity: str, column: Any, key: str) -> Any:
    """A NOT NULL sort expression for `sort=custom.<key>`, or ValidationFailed."""
    raise ValidationFailed("Unknown sort.", {"sort": [f"No custom field {key!r}."]})
