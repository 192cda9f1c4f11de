"""The forecast (docs/rpc/crm.md#forecast)."""

from __future__ import annotations

from typing import Any

from services.crm.entrypoints.base import Entrypoints
from services.crm.schemas.forecast import ForecastInput
from services.crm.use_cases.forecast import forecast
from shared.input_schemas import load
from shared.json_ready import json_answer
from shared.rpc import rpc


class ForecastEntrypoints(Entrypoints):
    @rpc
    def forecast(self, **payload: Any) -> dict[str, Any]:
        args = load(ForecastInput, payload)
        with self.db.reading() as session:
            return json_answer(forecast(session, self.ctx, **args))
