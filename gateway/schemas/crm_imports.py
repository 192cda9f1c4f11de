"""/api/v1/crm/imports and the CSV exports: query parameters and answers."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema
from gateway.schemas.crm_clients import ClientListQuery
from gateway.schemas.crm_contacts import ContactListQuery

ENTITIES = ("clients", "contacts")
STATUSES = ("validating", "validated", "importing", "completed", "failed", "expired")


class ImportUploadQuery(RequestSchema):
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES),
                           metadata={"description": "What the rows are."})
    dry_run = fields.Boolean(load_default=True, metadata={
        "description": "Check every row and report, create nothing (default). "
                       "false: import at once."})
    file_name = fields.String(validate=validate.Length(max=255),
                              metadata={"description": "Shown in the import's record."})
    allow_duplicate_names = fields.Boolean(load_default=False, metadata={
        "description": "Create a client even if one of the same name exists."})


class ImportProblemSchema(ResponseSchema):
    row = fields.Integer(required=True, allow_none=True,
                         metadata={"description": "As a spreadsheet numbers it: header = 1."})
    column = fields.String(required=True, allow_none=True,
                           metadata={"description": "The file's header, as written."})
    message = fields.String(required=True)


class ImportColumnSchema(ResponseSchema):
    header = fields.String(required=True)
    field = fields.String(required=True, allow_none=True,
                          metadata={"description": "null: accepted and ignored."})


class ImportSummarySchema(ResponseSchema):
    id = fields.String(required=True)
    entity = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    dry_run = fields.Boolean(required=True, metadata={
        "description": "The last pass was a dry run: created_rows counts rows it would "
                       "create."})
    allow_duplicate_names = fields.Boolean(required=True)
    file_name = fields.String(required=True)
    checksum = fields.String(required=True, metadata={"description": "SHA-256 of the text."})
    total_rows = fields.Integer(required=True)
    processed_rows = fields.Integer(required=True)
    created_rows = fields.Integer(required=True)
    skipped_rows = fields.Integer(required=True, metadata={
        "description": "Rows imported before (same import key or id): not created again."})
    failed_rows = fields.Integer(required=True)
    problem_count = fields.Integer(required=True)
    created_by = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    status_reason = fields.String(required=True, allow_none=True, metadata={
        "description": "Why it is `failed` (retry it) or `expired` (upload it again)."})
    version = fields.Integer(required=True)


class ImportSchema(ImportSummarySchema):
    columns = fields.List(fields.Nested(ImportColumnSchema), required=True)
    problems = fields.List(fields.Nested(ImportProblemSchema), required=True)
    problems_truncated = fields.Boolean(required=True, metadata={
        "description": "More problems than the first 1,000 listed here."})
    unlisted_problem_count = fields.Integer(required=True, metadata={
        "description": "Problems beyond those listed here: GET .../problems lists every "
                       "one (page by page)."})


ImportPageSchema = page_schema(ImportSummarySchema, "ImportPageSchema")
ImportProblemPageSchema = page_schema(ImportProblemSchema, "ImportProblemPageSchema")


class ImportListQuery(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    entity = fields.String(validate=validate.OneOf(ENTITIES))
    sort = fields.String(load_default="-created_at",
                         validate=validate.OneOf(("created_at", "-created_at")))


class ClientExportQuery(ClientListQuery):
    """The list's filters and sort, without paging: the export is the whole list."""

    class Meta(ClientListQuery.Meta):
        exclude = ("limit", "cursor", "include_total")


class ContactExportQuery(ContactListQuery):
    """The contacts list's filters and sort, without paging."""

    class Meta(ContactListQuery.Meta):
        exclude = ("limit", "cursor", "include_total")
