"""Shapes every area shares: problem details, list pages and their query parameters.

Request schemas refuse unknown fields (marshmallow's RAISE, `additionalProperties: false`
in the document); response schemas describe what we send and leave extra fields open.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
ROLES = ("owner", "admin", "member", "viewer")


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE


class ResponseSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class ProblemSchema(ResponseSchema):
    """RFC 9457 problem details, as every error response carries them."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    request_id = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageInfoSchema(ResponseSchema):
    limit = fields.Integer(required=True)
    has_more = fields.Boolean(required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    total = fields.Integer(metadata={"description": "Present when include_total=true."})


class ListQuerySchema(RequestSchema):
    """`limit`, `cursor` and `include_total`, which every list takes."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = fields.String(
        # Cursors are base64url (shared/pagination.py): saying so keeps generated clients
        # and fuzzers from sending kilobytes of percent-encoded text (gunicorn's 414).
        validate=[validate.Length(min=1, max=1024),
                  validate.Regexp(r"^[A-Za-z0-9_-]+$", error="Not a cursor of this list.")],
        metadata={"description": "Opaque, from the previous page's next_cursor."},
    )
    include_total = fields.Boolean(load_default=False)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """`{data: [item...], page: {...}}` for one item type."""
    return type(
        name,
        (ResponseSchema,),
        {
            "data": fields.List(fields.Nested(item), required=True),
            "page": fields.Nested(PageInfoSchema, required=True),
        },
    )
