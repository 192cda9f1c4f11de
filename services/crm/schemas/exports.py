"""Inputs of the export methods (docs/rpc/crm.md#exports): a list's filters, no paging."""

from __future__ import annotations

from marshmallow import fields, validate

from services.crm.schemas.clients import ListClientsInput
from services.crm.schemas.contacts import ListContactsInput

COLUMNS = fields.List(fields.String(validate=validate.Length(min=1, max=80)),
                      load_default=None, validate=validate.Length(min=1, max=300))


class ExportClientsInput(ListClientsInput):
    """list_clients' filters and sort; `cursor` and `columns` from the previous chunk."""

    class Meta(ListClientsInput.Meta):
        exclude = ("limit", "include_total")

    columns = COLUMNS


class ExportContactsInput(ListContactsInput):
    """list_contacts' filters and sort; `cursor` and `columns` from the previous chunk."""

    class Meta(ListContactsInput.Meta):
        exclude = ("limit", "include_total")

    columns = COLUMNS
