"""What CRM's use cases share: ids from the caller, loading an object or 404, list filters
by id and by time window, LIKE patterns."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from services.crm.domain.permissions import Action, require
from shared.call_context import CallContext
from shared.errors import NotFound, ValidationFailed

T = TypeVar("T")


def caller(ctx: CallContext, action: Action) -> uuid.UUID:
    """Check the caller may do `action`; their user id."""
    require(ctx, action)
    return uuid.UUID(str(ctx.user_id))


def as_uuid(value: Any, field: str = "id") -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed("Invalid id.", {field: ["Not a valid UUID."]}) from None


def get_or_404(session: Session, model: type[T], object_id: Any, what: str) -> T:
    """The object in the tenant in scope; another tenant's id is simply not found."""
    found = session.get(model, as_uuid(object_id))
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def check_filter_ids(session: Session, *filters: tuple[type[Any], Any, str]) -> None:
    """Every id a list is filtered by, as `(model, id or None, what)`, names an object of
    the tenant (archived ones too): another tenant's or an unknown id is NotFound, as in
    a path, never an empty page that would tell "not yours" apart from "nothing yet"."""
    for model, object_id, what in filters:
        if object_id is not None:
            get_or_404(session, model, object_id, what)


def window_filters(**columns: Any) -> dict[str, Callable[[Any], Any]]:
    """ListQuery filters `<name>_after` (inclusive) and `<name>_before` (exclusive) for
    each `name=column`: `window_filters(closed=Deal.closed_at)`."""
    filters: dict[str, Callable[[Any], Any]] = {}
    for name, column in columns.items():
        filters[f"{name}_after"] = column.__ge__
        filters[f"{name}_before"] = column.__lt__
    return filters


RECORD_FILTER_TYPES: dict[str, TypeEngine[Any]] = {"tag": ARRAY(Text), "custom": JSONB()}
"""The bind parameter types of `record_filters` SQLAlchemy cannot infer."""


def record_filters(model: Any) -> dict[str, Callable[[Any], Any]]:
    """The ListQuery filters every CRM record list has (clients, contacts, deals): `q` on
    its search text (a LIKE pattern), `mine` and `owner_id`, `tag` (a one-tag array),
    `custom` (one JSONB document to contain) and the created and updated windows."""
    return {
        "q": model.search_text.like,
        "mine": model.owner_id.__eq__,
        "owner_id": model.owner_id.__eq__,
        "tag": model.tags.contains,
        "custom": model.custom.contains,
        **window_filters(created=model.created_at, updated=model.updated_at),
    }


def record_filter_values(*, user_id: uuid.UUID, q: str | None, mine: bool,
                         owner_id: Any, tag: str | None, created_after: Any,
                         created_before: Any, updated_after: Any, updated_before: Any,
                         custom: dict[str, Any] | None) -> dict[str, Any]:
    """The values of `record_filters` from a list's arguments (None: not filtered)."""
    return {"q": like_pattern(q) if q else None, "mine": user_id if mine else None,
            "owner_id": owner_id, "tag": [tag] if tag else None,
            "created_after": created_after, "created_before": created_before,
            "updated_after": updated_after, "updated_before": updated_before,
            "custom": custom}


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` escaped (so `50%` means 50%)."""
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped.lower()}%"
