"""Keyset (cursor) pagination, the one way every list in Bureau is paged.

A page is `WHERE (sort_key, id) > (last_key, last_id) ORDER BY sort_key, id LIMIT n+1`:
its cost does not grow with depth, and rows inserted meanwhile never make a page skip or
repeat one. The cursor is opaque to clients (base64url JSON) and names its collection and
sort, so a cursor from another list or another sort is refused (400), not misread.
Sortable columns must be NOT NULL.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, SmallInteger, bindparam, func, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.selectable import Subquery

from shared.errors import ValidationFailed
from shared.input_faults import text_fault
from shared.json_ready import sql_uuid
from shared.tenancy import execute_columns

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    collection: str
    sort: str
    column: Any
    tiebreaker: Any
    descending: bool
    limit: int
    after: tuple[Any, Any] | None
    include_total: bool

    @classmethod
    def parse(
        cls,
        *,
        collection: str,
        sorts: Mapping[str, Any],
        tiebreaker: Any,
        sort: str | None = None,
        default_sort: str = "created_at",
        limit: int | None = None,
        cursor: str | None = None,
        include_total: bool = False,
    ) -> PageRequest:
        """Check the client's paging arguments; `sorts` maps sort names to columns."""
        sort = sort or default_sort
        name = sort.removeprefix("-")
        if name not in sorts:
            raise ValidationFailed(
                "Unknown sort.", {"sort": [f"Must be one of: {', '.join(_choices(sorts))}."]}
            )
        if limit is None:
            limit = DEFAULT_LIMIT
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed(
                "Invalid limit.", {"limit": [f"Must be between 1 and {MAX_LIMIT}."]}
            )
        column = sorts[name]
        after = _decode(cursor, collection, sort, column, tiebreaker) if cursor else None
        return cls(
            collection=collection,
            sort=sort,
            column=column,
            tiebreaker=tiebreaker,
            descending=sort.startswith("-"),
            limit=limit,
            after=after,
            include_total=bool(include_total),
        )


def _choices(sorts: Mapping[str, Any]) -> list[str]:
    return [c for name in sorts for c in (name, f"-{name}")]


def paginate(
    session: Session,
    stmt: Select[Any],
    request: PageRequest,
    dump: Callable[[Any], dict[str, Any]],
    params: Mapping[str, Any] | None = None,
    *,
    rows_of: Callable[[Subquery], Select[Any]] | None = None,
) -> dict[str, Any]:
    """Run one page of `stmt` (already filtered) and shape it as the API's page body.

    `stmt` selects either one model (`dump` receives objects) or labelled columns (`dump`
    receives a dict per row: the cheaper way for hot lists). `params` fill named bind
    parameters of `stmt`, so a statement part built once can take per-call values.

    `rows_of` is a late row lookup in the same statement: `stmt` then selects only the ids
    (so an index walk can find the page without visiting the table), and `rows_of(page)`
    selects the labelled columns to show, joined to `page`, the subquery of the page's
    `id`s: the page and its rows in one round trip.
    """
    form = _paged_form(stmt, request, rows_of)
    values = {**(params or {}), _LIMIT: request.limit + 1}
    if request.after is not None:
        values[_AFTER_KEY], values[_AFTER_TIE] = request.after
    if form.of_objects:
        rows = session.execute(form.statement, values).all()
    else:
        rows = execute_columns(session, form.statement, values).all()
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    page: dict[str, Any] = {"limit": request.limit, "has_more": has_more, "next_cursor": None}
    if has_more and rows:
        last = rows[-1]._mapping
        page["next_cursor"] = _encode(request.collection, request.sort, last[form.key],
                                      last[form.tie])
    if request.include_total:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
        page["total"] = session.execute(count, dict(params) if params else None).scalar_one()
    if not rows:
        items: list[Any] = []
    elif form.of_objects:
        items = [row[0] for row in rows]
    else:
        fields = rows[0]._fields
        names = fields[: len(fields) - form.added]  # added key columns come last
        items = [dict(zip(names, row, strict=False)) for row in rows]
    return {"data": [dump(item) for item in items], "page": page}


_KEY, _TIE = "_page_key", "_page_tie"
_LIMIT, _AFTER_KEY, _AFTER_TIE = "_page_limit", "_page_after_key", "_page_after_tie"
_PAGED_FORMS: weakref.WeakKeyDictionary[Select[Any], dict[tuple, _PagedForm]] = (
    weakref.WeakKeyDictionary()
)
MAX_FORMS_PER_STATEMENT = 32
"""Past this many shapes (custom sorts make new sort expressions), build without keeping."""


@dataclass(frozen=True)
class _PagedForm:
    statement: Select[Any]
    of_objects: bool
    key: str
    tie: str
    """The names under which a row carries the sort key and tiebreaker."""
    added: int
    """How many of them the form added after `statement`'s own columns."""
    kept: tuple[Any, ...]
    """The sort column, tiebreaker and `rows_of`, held so their ids in the form's shape
    cannot be reused by other objects while the form is kept."""


def _paged_form(stmt: Select[Any], request: PageRequest,
                rows_of: Callable[[Subquery], Select[Any]] | None = None) -> _PagedForm:
    """`stmt` ordered, limited and (with a cursor) past the cursor, the values as bind
    parameters, and wrapped by `rows_of` when given: one statement object per shape of
    `stmt`, so a statement built once (shared.list_queries) is neither rebuilt nor re-keyed
    for SQLAlchemy's cache on every call. With it comes whether the form selects a
    model's objects (asked of the statement once per form: ~0.15 ms each time); a form of
    columns runs on Core's path, and takes its sort key and tiebreaker from columns it
    already selects when it can (`_selected_as`)."""
    forms = _PAGED_FORMS.get(stmt)
    if forms is None:
        forms = _PAGED_FORMS[stmt] = {}
    column, tiebreaker = request.column, request.tiebreaker
    shape = (id(column), id(tiebreaker), request.descending, request.after is not None,
             id(rows_of))
    kept = forms.get(shape)
    if kept is not None:
        return kept
    paged = stmt
    if request.after is not None:
        key = tuple_(column, tiebreaker)
        bound = tuple_(
            bindparam(_AFTER_KEY, type_=column.type), bindparam(_AFTER_TIE, type_=tiebreaker.type)
        )
        paged = paged.where(key < bound if request.descending else key > bound)
    order = (
        (column.desc(), tiebreaker.desc())
        if request.descending
        else (column.asc(), tiebreaker.asc())
    )
    paged = paged.order_by(None).order_by(*order).limit(bindparam(_LIMIT, type_=Integer()))
    of_objects = _selects_objects(stmt)
    reuse = not of_objects and rows_of is None
    key_name = _selected_as(stmt, column) if reuse else None
    tie_name = _selected_as(stmt, tiebreaker) if reuse else None
    extra = []
    if key_name is None:
        key_name = _KEY
        extra.append(_as_key_column(column, reuse).label(_KEY))
    if tie_name is None:
        tie_name = _TIE
        extra.append(_as_key_column(tiebreaker, reuse).label(_TIE))
    paged = paged.add_columns(*extra)
    if rows_of is not None:
        paged = _late_form(paged, request, rows_of)
    form = _PagedForm(paged, of_objects, key_name, tie_name, len(extra),
                      (column, tiebreaker, rows_of))
    if len(forms) < MAX_FORMS_PER_STATEMENT:
        forms[shape] = form
    return form


def _selected_as(stmt: Select[Any], column: Any) -> str | None:
    """The name of a column `stmt` selects that holds `column`'s value as its cursor
    writes it: the column itself (perhaps labelled) or its `sql_uuid` text. The page then
    carries no copy of it (a timestamp and a UUID more per row, parsed and sent)."""
    target = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    forms = (target, sql_uuid(target)) if _is_uuid(target) else (target,)
    for name, selected in stmt.selected_columns.items():
        inner = selected.element if isinstance(selected, Label) else selected
        if any(inner.compare(form) for form in forms):
            return name
    return None


def _is_uuid(column: Any) -> bool:
    try:
        return column.type.python_type is uuid.UUID
    except NotImplementedError:
        return False


def _as_key_column(column: Any, as_text: bool) -> Any:
    """A UUID key added to a page of columns comes as text: the cursor only writes it.
    (Not in a late lookup's subquery, whose outer query orders by it.)"""
    if as_text and _is_uuid(column):
        return sql_uuid(column)
    return column


def _late_form(paged: Select[Any], request: PageRequest,
               rows_of: Callable[[Subquery], Select[Any]]) -> Select[Any]:
    """`rows_of(page)` around the limited page of ids, in the page's order, its keys last."""
    page = paged.subquery("page")
    key, tie = page.c[_KEY], page.c[_TIE]
    order = (key.desc(), tie.desc()) if request.descending else (key.asc(), tie.asc())
    return rows_of(page).add_columns(key, tie).order_by(*order)


def _selects_objects(stmt: Select[Any]) -> bool:
    """select(Model) pages give model objects to `dump`; column selects give dicts."""
    return any(isinstance(column["type"], type) for column in stmt.column_descriptions)


def _encode(collection: str, sort: str, value: Any, tie: Any) -> str:
    raw = json.dumps({"c": collection, "s": sort, "k": [_to_json(value), _to_json(tie)]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


MAX_KEY_TEXT = 10_000
"""A text sort key longer than this was not written by us (names are far shorter)."""
MAX_KEY_DIGITS = 40
MAX_KEY_EXPONENT = 40
"""A Decimal key past these (`1e999999`) fits no NUMERIC column we sort by."""
_INT_RANGES = {SmallInteger: 2**15, Integer: 2**31, BigInteger: 2**63}


def _decode(cursor: str, collection: str, sort: str, column: Any, tiebreaker: Any) -> tuple:
    """The cursor's position, each key checked against its column's type, so a tampered
    cursor is a 400 here and never reaches the database as a value it refuses."""
    bad = ValidationFailed("Invalid cursor.", {"cursor": ["Not a cursor of this list."]})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict):
            raise bad
        if data.get("c") != collection:
            raise bad
        if data.get("s") != sort:
            raise ValidationFailed(
                "Invalid cursor.", {"cursor": ["The cursor was made for another sort."]}
            )
        keys = data["k"]
        if not isinstance(keys, list) or len(keys) != 2:
            raise bad
        value, tie = keys
        return _from_json(value, column), _from_json(tie, tiebreaker)
    except ValidationFailed:
        raise
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise bad from None


def _from_json(value: Any, column: Any) -> Any:
    """The key as its column's Python type, or ValueError for anything we never encode."""
    python_type = column.type.python_type
    if value is None or isinstance(value, bool):
        raise ValueError("not a key")
    if python_type in (datetime, date, uuid.UUID, Decimal, str) and not isinstance(value, str):
        raise ValueError("wrong key type")
    if isinstance(value, str) and (len(value) > MAX_KEY_TEXT or text_fault(value)):
        raise ValueError("not a text we wrote")
    if python_type is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        return parsed
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is Decimal:
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        if (not number.is_finite() or not isinstance(exponent, int)
                or len(number.as_tuple().digits) > MAX_KEY_DIGITS
                or abs(exponent) > MAX_KEY_EXPONENT):
            raise ValueError("out of range")
        return number
    if python_type is int:
        limit = next((bound for kind, bound in _INT_RANGES.items()
                      if type(column.type) is kind), 2**63)
        if not isinstance(value, int) or not -limit <= value < limit:
            raise ValueError("wrong key type")
        return value
    if python_type is float:
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("wrong key type")
        return float(value)
    if not isinstance(value, python_type):
        raise ValueError("wrong key type")
    return value
