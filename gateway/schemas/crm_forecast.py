"""/api/v1/crm/forecast: its query and answer."""

from __future__ import annotations

from marshmallow import fields

from gateway.schemas.common import RequestSchema, ResponseSchema
from gateway.schemas.crm import MoneySchema, currency_field


class ForecastQuery(RequestSchema):
    start = fields.Date(required=True, data_key="from",
                        metadata={"description": "First day of the range "
                                                 "(1900-01-01 to 9998-12-31)."})
    end = fields.Date(required=True, data_key="to",
                      metadata={"description": "Last day of the range (36 months at most, "
                                               "9998-12-31 at the latest)."})
    currency = currency_field(required=True)
    """One currency (no exchange rates): deals in others are left out and counted."""
    pipeline_id = fields.UUID()
    owner_id = fields.UUID()


class FigureSchema(ResponseSchema):
    open_count = fields.Integer(required=True)
    open_amount = fields.Nested(MoneySchema, required=True)
    weighted = fields.Nested(MoneySchema, required=True,
                             metadata={"description": "Open amounts x stage probability."})
    won_count = fields.Integer(required=True)
    committed = fields.Nested(MoneySchema, required=True,
                              metadata={"description": "Won amounts, by month of close."})
    lost_count = fields.Integer(required=True)
    win_rate = fields.String(required=True, allow_none=True,
                             metadata={"description": "won / (won + lost), e.g. \"0.6667\"."})


class MonthFigureSchema(FigureSchema):
    month = fields.String(required=True, metadata={"example": "2026-11"})


class OwnerFigureSchema(FigureSchema):
    owner_id = fields.String(required=True)
    owner_name = fields.String(required=True, allow_none=True)


class StageFigureSchema(ResponseSchema):
    stage_id = fields.String(required=True)
    stage_name = fields.String(required=True)
    pipeline_id = fields.String(required=True)
    probability = fields.Integer(required=True)
    open_count = fields.Integer(required=True)
    open_amount = fields.Nested(MoneySchema, required=True)
    weighted = fields.Nested(MoneySchema, required=True)


class ExcludedSchema(ResponseSchema):
    other_currencies = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                   metadata={"description": "Deals left out, by currency."})
    open_without_close_date = fields.Integer(required=True)


class ForecastSchema(ResponseSchema):
    currency = fields.String(required=True)
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    pipeline_id = fields.String(required=True, allow_none=True)
    owner_id = fields.String(required=True, allow_none=True)
    totals = fields.Nested(FigureSchema, required=True)
    by_month = fields.List(fields.Nested(MonthFigureSchema), required=True)
    by_owner = fields.List(fields.Nested(OwnerFigureSchema), required=True)
    by_stage = fields.List(fields.Nested(StageFigureSchema), required=True)
    excluded = fields.Nested(ExcludedSchema, required=True)
