"""Turn a service's answer into JSON-ready data, fast: the one way services format output.

Views build plain dicts; this converts the values JSON cannot carry. Timestamps become
RFC 3339 in UTC with a `Z`, UUIDs strings, Decimals strings (money is never a float).
marshmallow stays where it earns its cost, validating input; on output it was measured
at 2.5x the cost of this for a 50-row page.

A dict or list is converted by orjson in C (encode, then decode) when the result is
provably the same as the Python walk's, and by the walk otherwise: 2.5-3x less CPU on a
50-row page (docs/performance.md, "fourth round"). An entrypoint's answer skips the
decode: `json_answer` keeps orjson's text, and the RPC reply sends it as it is.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import chain, compress
from typing import Any

import orjson
from sqlalchemy import String, cast
from sqlalchemy.sql.elements import ColumnElement

_PLAIN = frozenset((str, int, float, bool, type(None)))


def timestamp(value: datetime) -> str:
    text = value.isoformat()
    if text.endswith("+00:00"):  # what PostgreSQL hands back: one C call, then a slice
        return text[:-6] + "Z"
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime in a service answer")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


_SCALARS = frozenset((str, int, bool, type(None)))
_PLAIN_KINDS = _SCALARS | {dict, list, tuple}
_IS_DICT = frozenset((dict,)).__contains__
_IS_SEQUENCE = frozenset((list, tuple)).__contains__


def has_nonfinite(value: Any) -> bool:
    """A NaN or an infinity anywhere in a value (orjson writes them as null).

    Level by level with C iterators, a Python loop per level rather than per value: the
    set of a level's types says whether a float (or a subclass of a container) is in it,
    and its dicts and lists give the next level. A 25-contact page: ~100 us against ~160
    for a recursive walk (process time, docs/performance.md, fourth round)."""
    level: list[Any] = [value]
    while level:
        kinds_of = list(map(type, level))
        kinds = set(kinds_of)
        odd = kinds - _PLAIN_KINDS
        if odd and _odd_nonfinite(level, odd):
            return True
        children: list[Any] = []
        if dict in kinds:
            children.extend(chain.from_iterable(
                map(dict.values, compress(level, map(_IS_DICT, kinds_of)))))
        if list in kinds or tuple in kinds:
            children.extend(chain.from_iterable(compress(level, map(_IS_SEQUENCE, kinds_of))))
        level = children
    return False


def _odd_nonfinite(level: list[Any], odd: set[type]) -> bool:
    """Floats, and subclasses of dict, list or tuple (walked one by one: rare)."""
    if any(issubclass(k, float) for k in odd) and any(
            isinstance(v, float) and not math.isfinite(v) for v in level):
        return True
    subclassed = {k for k in odd if issubclass(k, dict | list | tuple)}
    if not subclassed:
        return False
    for item in level:
        if type(item) in subclassed:
            contents = item.values() if isinstance(item, dict) else item
            if has_nonfinite(list(contents)):
                return True
    return False


_ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_PASSTHROUGH_DATACLASS
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _times_all_in_utc(encoded: bytes) -> bool:
    """Whether every time orjson wrote ends in `Z` (it writes `Z` only for UTC).

    With each digit read as 0, a naive time ends `:00"` or `.000000"` and one with an
    offset `:00"`; a user's text that happens to end so only costs the walk. One C pass:
    the regex it replaces cost 7% of identity's CPU on a 50-row page (performance.md)."""
    folded = encoded.translate(_DIGITS_AS_ZERO)
    return b':00"' not in folded and b'.000000"' not in folded


def _orjson_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError  # the walk decides: it knows the subclasses, or refuses the type


def _orjson_text(value: Any) -> bytes | None:
    """orjson's JSON for `value`, or None when it could differ from the walk's: a datetime
    not in UTC (the walk converts it, or refuses a naive one), NaN or an infinity (orjson
    writes null; an answer must refuse them), or anything orjson cannot take (ints over 64
    bits, non-str keys, unknown types, nesting beyond its limit)."""
    try:
        encoded = orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return None
    if not _times_all_in_utc(encoded) or (b"null" in encoded and has_nonfinite(value)):
        return None
    return encoded


def json_ready(value: Any) -> Any:
    """orjson for containers when it is provably the same (see `_orjson_text`), else the
    walk: exact-type dispatch first (a page is thousands of values), subclasses after."""
    kind = type(value)
    if kind is dict or kind is list:
        encoded = _orjson_text(value)
        if encoded is not None:
            return orjson.loads(encoded)
    return _walk(value)


REPLY_OPEN, REPLY_CLOSE = b'{"result":', b',"error":null}'
"""nameko's reply body around a result's JSON text, as shared.rpc writes a success: the
gateway's client (`call_json`) takes the text back out between the two."""


def reply_body(result_text: bytes) -> bytes:
    return REPLY_OPEN + result_text + REPLY_CLOSE


class JsonText(bytes):
    """An entrypoint's answer already written as JSON (`json_answer`): the RPC reply
    (shared.rpc) sends these bytes as they are."""

    __slots__ = ()


def json_answer(value: Any) -> Any:
    """`json_ready` for what an entrypoint returns, kept as the JSON text it becomes.

    The reply then carries the text as is: a 50-row page is encoded once, where encoding,
    decoding to check it, and encoding the reply again cost 8% of identity's CPU. What
    orjson cannot write exactly goes through the walk, as `json_ready` does."""
    kind = type(value)
    if kind is dict or kind is list:
        encoded = _orjson_text(value)
        if encoded is not None:
            return JsonText(encoded)
    return _walk(value)


def _walk(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _walk(v) for k, v in value.items()}
    if kind in _PLAIN:
        return value
    if kind is datetime:
        return timestamp(value)
    if kind is uuid.UUID or kind is Decimal:
        return str(value)
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _walk(v) for v in value]
    return _json_ready_slow(value)


def _json_ready_slow(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _walk(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item) for item in value]
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-ready")


def sql_uuid(column: Any) -> ColumnElement[str]:
    """A UUID column as its text, as `json_ready` writes it: cheap in PostgreSQL, where
    psycopg would otherwise build a uuid.UUID per value for json_ready to turn back into
    text. (Timestamps stay with json_ready: PostgreSQL's to_char cost ~2 us a value, more
    than parsing and formatting them in Python.)"""
    return cast(column, String)
