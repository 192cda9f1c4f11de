"""The documents others code against match the code: deal, pipeline and forecast methods
(docs/rpc/crm.md). Events: test_events_contract.py."""

import re
from pathlib import Path

from nameko.rpc import Rpc

from services.crm.entrypoints.deals import DealEntrypoints
from services.crm.entrypoints.forecast import ForecastEntrypoints
from services.crm.entrypoints.pipelines import PipelineEntrypoints
from services.crm.service import CrmService

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _rpc_methods(*areas: type) -> set[str]:
    return {
        name for area in areas for name, member in vars(area).items()
        if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ()))
    }


def test_every_deal_pipeline_and_forecast_method_is_documented_and_served():
    table = (DOCS / "rpc" / "crm.md").read_text()
    documented = set(re.findall(r"^\| (\w+) \|", table, flags=re.MULTILINE))
    ours = _rpc_methods(DealEntrypoints, PipelineEntrypoints, ForecastEntrypoints)
    assert len(ours) == 20 and ours <= documented
    assert all(hasattr(CrmService, name) for name in ours)

