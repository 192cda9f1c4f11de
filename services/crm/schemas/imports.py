"""Inputs of the import methods (docs/rpc/crm.md#imports)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.crm.domain.csv_files import MAX_CHARS
from shared.input_schemas import Input, Trimmed


class StartImportInput(Input):
    entity = fields.String(required=True, validate=validate.Length(min=1, max=20))
    content = fields.String(required=True, validate=validate.Length(max=MAX_CHARS))
    """The CSV as text (the gateway decodes the upload)."""
    dry_run = fields.Boolean(load_default=True)
    file_name = Trimmed(load_default="", validate=validate.Length(max=255))
    allow_duplicate_names = fields.Boolean(load_default=False)


class ImportIdInput(Input):
    import_id = fields.UUID(required=True)
