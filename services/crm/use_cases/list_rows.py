"""A list's rows in its page's statement: the records of the page by primary key, with
their owners' names and the custom fields shown, so a page of clients, contacts or deals
is one round trip after its transaction begins (ADR 0022); and one record through the
same statement and view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from services.crm.models import Member
from services.crm.use_cases import custom_fields

OWNER_NAME = "owner_name"

View = Callable[[Mapping[str, Any], str | None, Callable[[dict[str, Any]], dict[str, Any]]],
                dict[str, Any]]
"""A record's view function: `view(row, owner_name, shown)`."""


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


def listed_view(view: View) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """`paginate`'s `dump` for rows of `rows_with_owner`: the view of each row."""
    def dump(row: Mapping[str, Any]) -> dict[str, Any]:
        return view(row, row[OWNER_NAME], custom_fields.only_keys(row[custom_fields.SHOWN_KEYS]))
    return dump


def present_record(session: Session, record: Any, rows_of: Callable[[Subquery], Select[Any]],
                   dump: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """One record (loaded, created or changed in this transaction) through its list's own
    row statement and view: the same columns, owner's name, shown fields and related
    values as a listed row, in one statement (autoflush writes pending changes first)."""
    model = type(record)
    one = select(model.id).where(model.id == record.id).subquery()
    return dump(dict(session.execute(rows_of(one)).mappings().one()))
