"""A list's rows in its page's statement: the records of the page by primary key, with
their owners' names and the custom fields shown, so a page of clients or contacts is one
round trip after its transaction begins (docs/performance.md, CRM contacts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.sql.selectable import Subquery

from services.crm.models import Member
from services.crm.use_cases import custom_fields

OWNER_NAME = "owner_name"


def rows_with_owner(model: Any, columns: Sequence[Any], entity: str, *,
                    also: Sequence[Any] = (),
                    joins: Sequence[tuple[Any, Any]] = ()) -> Callable[[Subquery], Select[Any]]:
    """`paginate`'s `rows_of` for `model`: `columns`, the owner's name and the keys of
    `entity`'s active custom fields, for the ids of a page; `also` more columns, from the
    tables of `joins` (each `(table, on)`, an outer join) or correlated subqueries."""
    def rows_of(page: Subquery) -> Select[Any]:
        stmt = (select(*columns, *also, Member.name.label(OWNER_NAME),
                       custom_fields.shown_keys_column(entity))
                .join(page, model.id == page.c.id)
                .outerjoin(Member, Member.user_id == model.owner_id))
        for table, on in joins:
            stmt = stmt.outerjoin(table, on)
        return stmt
    return rows_of


def shown_of(row: Mapping[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The custom values a listed row may show."""
    return custom_fields.only_keys(row[custom_fields.SHOWN_KEYS])


def columns_of(record: Any, columns: Sequence[Any]) -> dict[str, Any]:
    """A loaded record as the mapping a list row would be, for the same view function."""
    return {column.key: getattr(record, column.key) for column in columns}
