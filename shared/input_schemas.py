"""The building blocks of every service's RPC input schemas (marshmallow).

Inputs refuse unknown fields, trim strings and bound every one; `load` turns a refusal
into ValidationFailed with messages per field (nested fields flattened to `a.b`), which
the gateway shows as a 400 problem.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.errors import ValidationFailed
from shared.pagination import MAX_LIMIT

PAGE_LIMIT = validate.Range(min=1, max=MAX_LIMIT)


class Trimmed(fields.String):
    """A string with surrounding whitespace removed before its length is checked."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class EmailAddress(fields.Email):
    """An email address, trimmed and lower-cased (so unique regardless of case)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs).lower()


class Input(Schema):
    class Meta:
        unknown = RAISE


class PageInput(Input):
    """limit, cursor and include_total of every list (shared/pagination.py checks the rest)."""

    limit = fields.Integer(load_default=25, validate=PAGE_LIMIT, strict=True)
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1024))
    include_total = fields.Boolean(load_default=False)


class EmptyInput(Input):
    pass


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as `{"field.sub": ["..."]}`."""
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": [str(m) for m in messages]}
        out: dict[str, list[str]] = {}
        for m in messages:
            out.update(flatten_messages(m, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, sub in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, msgs in flatten_messages(sub, name).items():
                out.setdefault(field, []).extend(msgs)
        return out
    return {prefix or "_schema": [str(messages)]}


def load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed("The request is invalid.", flatten_messages(exc.messages)) from None
