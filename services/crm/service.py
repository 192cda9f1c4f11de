"""The crm nameko service: its entrypoint mixins composed, one per area.

The contract is docs/rpc/crm.md. Every method runs in the caller's tenant (the ORM
filter and row-level security both apply); permissions are checked by the use cases.
"""

from __future__ import annotations

from services.crm.entrypoints.clients import ClientEntrypoints
from services.crm.entrypoints.contacts import ContactEntrypoints
from services.crm.entrypoints.custom_fields import CustomFieldEntrypoints
from services.crm.entrypoints.deals import DealEntrypoints
from services.crm.entrypoints.exports import ExportEntrypoints
from services.crm.entrypoints.forecast import ForecastEntrypoints
from services.crm.entrypoints.identity_events import IdentityEventHandlers
from services.crm.entrypoints.imports import ImportEntrypoints
from services.crm.entrypoints.links import LinkEntrypoints
from services.crm.entrypoints.pipelines import PipelineEntrypoints


class CrmService(ClientEntrypoints, ContactEntrypoints, LinkEntrypoints, CustomFieldEntrypoints,
                 PipelineEntrypoints, DealEntrypoints, ForecastEntrypoints, ImportEntrypoints,
                 ExportEntrypoints, IdentityEventHandlers):
    name = "crm"
