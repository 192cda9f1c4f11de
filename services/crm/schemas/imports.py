"""Inputs of the import methods (docs/rpc/crm.md#imports)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.crm.domain.csv_files import MAX_CHARS
from services.crm.domain.imports import STATUSES
from services.crm.schemas.common import sort_field
from shared.input_schemas import Input, PageInput, Trimmed


class StartImportInput(Input):
    text_checked_by_field = frozenset({"content"})  # the file checks say what a NUL means

    entity = fields.String(required=True, validate=validate.Length(min=1, max=20))
    content = fields.String(required=True, validate=validate.Length(max=MAX_CHARS))
    """The CSV as text (the gateway decodes the upload)."""
    dry_run = fields.Boolean(load_default=True)
    file_name = Trimmed(load_default="", validate=validate.Length(max=255))
    allow_duplicate_names = fields.Boolean(load_default=False)


class ImportIdInput(Input):
    import_id = fields.UUID(required=True)


class ListImportsInput(PageInput):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    entity = fields.String(load_default=None, validate=validate.Length(min=1, max=20))
    sort = sort_field("-created_at")


class ListImportProblemsInput(PageInput):
    import_id = fields.UUID(required=True)
