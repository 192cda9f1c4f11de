"""A list's filters as one statement per shape: built once, filled by bind parameters.

Building a filtered statement, its keyset form, its late row lookup, the tenant criteria and
SQLAlchemy's cache key cost ~0.8 ms of CPU a call on these machines, every call anew. A
`ListQuery` builds the statement once for each set of filters present (whatever their
values) and hands `paginate` the same object each time, so everything derived from it is
memoized; the values travel as bind parameters (`paginate(..., params=...)`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

Clause = Callable[[BindParameter[Any]], ColumnElement[bool]]

MAX_SHAPES = 256
"""Sets of filters kept per list; past it (a client walking every combination) a call
builds its statement without keeping it, so memory stays bounded."""

PARAM_PREFIX = "filter_"
"""Bind parameter names of filters: apart from paginate's `_page_*` and tenancy's."""


class ListQuery:
    """`base()` (a select of the list's ids, say) narrowed by `filters`: name -> a function
    of the filter's bind parameter that gives its clause. `types` names the parameter
    type where SQLAlchemy cannot infer it from the comparison (an array, a JSONB document).
    """

    def __init__(self, base: Callable[[], Select[Any]], filters: Mapping[str, Clause],
                 types: Mapping[str, TypeEngine[Any]] | None = None) -> None:
        self._base = base
        self._filters = dict(filters)
        self._types = dict(types or {})
        self._shapes: dict[frozenset[str], Select[Any]] = {}
        self._lock = threading.Lock()

    def statement(self, values: Mapping[str, Any],
                  extra: Iterable[ColumnElement[bool]] = ()) -> tuple[Select[Any], dict[str, Any]]:
        """The statement for the filters whose value is not None, and its parameters.

        `extra` clauses (with their own literal values) make a statement of this call only:
        for filters with no fixed shape, such as custom field ranges.
        """
        unknown = set(values) - set(self._filters)
        if unknown:
            raise KeyError(f"not filters of this list: {sorted(unknown)}")
        present = frozenset(name for name, value in values.items() if value is not None)
        stmt = self._shapes.get(present)
        if stmt is None:
            stmt = self._build(present)
            with self._lock:
                if len(self._shapes) < MAX_SHAPES:
                    stmt = self._shapes.setdefault(present, stmt)
        params = {PARAM_PREFIX + name: values[name] for name in present}
        extra = tuple(extra)
        return (stmt.where(*extra) if extra else stmt), params

    def _build(self, present: frozenset[str]) -> Select[Any]:
        stmt = self._base()
        for name in sorted(present):  # one order, whatever order the values came in
            param = bindparam(PARAM_PREFIX + name, type_=self._types.get(name))
            stmt = stmt.where(self._filters[name](param))
        return stmt
