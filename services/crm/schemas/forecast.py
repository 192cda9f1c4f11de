"""Input of the forecast (docs/rpc/crm.md#forecast)."""

from __future__ import annotations

from marshmallow import fields

from services.crm.schemas.common import Currency
from shared.input_schemas import Input


class ForecastInput(Input):
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    currency = Currency(required=True)
    pipeline_id = fields.UUID(load_default=None)
    owner_id = fields.UUID(load_default=None)
