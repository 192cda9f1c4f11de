"""/api/v1/crm/deals: request bodies, list queries and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema
from gateway.schemas.crm import (
    CustomFieldFilterQuery,
    MoneyBody,
    MoneySchema,
    after,
    before,
    currency_field,
    custom_field_values,
    sort_with_custom_fields,
    tags_field,
)

STATUSES = ("open", "won", "lost")
SORTS = ("created_at", "updated_at", "name", "expected_close_date", "amount", "rank")
AMOUNT = validate.Regexp(r"^\d{1,15}(\.\d{1,4})?$",
                         error='Must be a decimal string such as "1234.50".')


def ids_field(**kwargs: object) -> fields.List:
    return fields.List(fields.UUID(), validate=validate.Length(max=100), **kwargs)  # type: ignore[arg-type]


class DealFieldsBody(RequestSchema):
    client_id = fields.UUID(metadata={"description": "A client of your tenant."})
    contact_ids = ids_field(metadata={"description": "Contacts of your tenant."})
    owner_id = fields.UUID(metadata={"description": "A member of your tenant; default you."})
    expected_close_date = fields.Date(allow_none=True,
                                      metadata={"description": "1900-01-01 to 9998-12-31."})
    source = fields.String(allow_none=True, validate=validate.Length(max=100))
    tags = tags_field()
    notes = fields.String(validate=validate.Length(max=20_000))
    custom = custom_field_values()


class CreateDealBody(DealFieldsBody):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_id = fields.UUID(required=True, metadata={"description": "A client of your tenant."})
    amount = fields.Nested(MoneyBody, required=True)
    pipeline_id = fields.UUID(metadata={"description": "Default: the default pipeline."})
    stage_id = fields.UUID(metadata={"description": "Default: the pipeline's first stage."})


class UpdateDealBody(DealFieldsBody):
    """Any subset; the stage changes by a move, the state by won/lost/reopen."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    amount = fields.Nested(MoneyBody)


class MoveDealBody(RequestSchema):
    stage_id = fields.UUID(metadata={"description": "A stage of the deal's pipeline; "
                                                    "default: its current stage."})
    after_id = fields.UUID(metadata={"description": "The open deal it goes right after."})
    before_id = fields.UUID(metadata={"description": "The open deal it goes right before "
                                                     "(default, with neither: last)."})


class WonBody(RequestSchema):
    amount = fields.Nested(MoneyBody, metadata={
        "description": "The agreed amount, in the deal's currency; default: the deal's."})


class LostBody(RequestSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ReopenBody(RequestSchema):
    stage_id = fields.UUID(metadata={"description": "Default: the stage it closed in."})


class DealSchema(ResponseSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    client_id = fields.String(required=True)
    client_name = fields.String(required=True, allow_none=True)
    contact_ids = fields.List(fields.String(), required=True)
    pipeline_id = fields.String(required=True)
    stage_id = fields.String(required=True)
    stage_name = fields.String(required=True, allow_none=True)
    probability = fields.Integer(required=True, allow_none=True)
    owner_id = fields.String(required=True)
    owner_name = fields.String(required=True, allow_none=True)
    owner_flagged = fields.Boolean(required=True)
    amount = fields.Nested(MoneySchema, required=True)
    expected_close_date = fields.Date(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    won_amount = fields.Nested(MoneySchema, required=True, allow_none=True)
    lost_reason = fields.String(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    rank = fields.Integer(required=True, metadata={"description": "Order within the stage."})
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(required=True)
    custom = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


DealPageSchema = page_schema(DealSchema, "DealPageSchema")


class DealListQuery(CustomFieldFilterQuery, ListQuerySchema):
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Matches the deal's and its client's names."})
    status = fields.String(validate=validate.OneOf(STATUSES))
    pipeline_id = fields.UUID()
    stage_id = fields.UUID()
    owner_id = fields.UUID()
    mine = fields.Boolean(metadata={"description": "Only deals you own."})
    client_id = fields.UUID()
    contact_id = fields.UUID()
    tag = fields.String(validate=validate.Length(min=1, max=50))
    currency = currency_field()
    amount_min = fields.String(validate=AMOUNT)
    amount_max = fields.String(validate=AMOUNT)
    expected_close_from = fields.Date()
    expected_close_to = fields.Date()
    created_after = after("Created")
    created_before = before("Created")
    updated_after = after("Last changed")
    updated_before = before("Last changed")
    closed_after = after("Won or lost")
    closed_before = before("Won or lost")
    sort = sort_with_custom_fields(SORTS, "-created_at")
