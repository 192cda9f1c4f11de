"""/api/v1/crm/forecast: weighted pipeline, committed amounts and win rate, in one currency."""

from __future__ import annotations

from flask import Blueprint, Response

from gateway.endpoints import Call, endpoint
from gateway.responses import json_response
from gateway.routes.service_calls import call_crm
from gateway.schemas.crm_forecast import ForecastQuery, ForecastSchema

bp = Blueprint("crm_forecast", __name__, url_prefix="/api/v1/crm/forecast")
TAG = "crm"


@endpoint(bp, "", "GET", summary="Sales forecast by month, owner and stage", tag=TAG,
          query=ForecastQuery, response=ForecastSchema)
def forecast(call: Call) -> Response:
    query = dict(call.query)
    query["from"], query["to"] = query.pop("start"), query.pop("end")
    return json_response(call_crm(call, "forecast", **query))
