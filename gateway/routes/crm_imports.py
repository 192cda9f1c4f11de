"""/api/v1/crm/imports: CSV files checked (dry run) and imported in the background."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response

from gateway.components import components
from gateway.endpoints import Call, endpoint
from gateway.responses import json_response, page_response
from gateway.routes.service_calls import call_crm, call_page
from gateway.schemas.common import ListQuerySchema
from gateway.schemas.crm_imports import (
    ImportListQuery,
    ImportPageSchema,
    ImportProblemPageSchema,
    ImportSchema,
    ImportUploadQuery,
)

bp = Blueprint("crm_imports", __name__, url_prefix="/api/v1/crm/imports")
TAG = "crm"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_RPC_TIMEOUT = 60.0
"""Checking a 10 MiB file as a whole takes crm a few seconds, more than a usual call."""

UPLOAD = """The body is the CSV file itself (`Content-Type: text/csv`), at most 10 MiB and
50,000 rows. Text is UTF-8 unless the Content-Type names a charset (`text/csv;
charset=windows-1252`, `utf-16`, ...); a UTF-8, UTF-16 or UTF-32 byte order mark is
recognised. The first row is the header: the API's field names (`name`, `currency`,
`billing_address.city`, ...) or common spellings ("Company Name", "Zip"), matched ignoring
case and spacing; `owner_email` names the owner among your firm's members; `custom.<key>`
for custom fields; `tags` split on `;` (or `,`);
contacts take `first_name`, `last_name`, `name`, `emails` and `phones` (lists, the first
primary) and `client` (a client's name) or `client_id` to link them to;
`external_id` (or an export's `id`) identifies a row so a re-run skips it, else a hash of
the row does. Delimiter `,`, `;` or tab, recognised from the header. A file that cannot be
read (empty, broken quotes, unknown or missing columns, too many rows, bad bytes) is
refused with a 400 naming the problem, and nothing is written. Otherwise 201 with the
import: a dry run (the default) checks every row in the background (status `validating`,
then `validated` with `problems`); `dry_run=false` imports at once (`importing`, then
`completed`). Poll the Location. A pass that fails for good (errors on our side after
retries, or no progress for an hour) ends `failed` with a `status_reason`: retry it. A
`validated` or `failed` import's file is kept 24 hours, then the import is `expired`."""


@endpoint(bp, "", "POST", summary="Upload a CSV file to check and import", tag=TAG,
          query=ImportUploadQuery, raw_body="text/csv", max_body_bytes=MAX_UPLOAD_BYTES,
          response=ImportSchema, status=201, location=True, description=UPLOAD)
def start_import(call: Call) -> Response:
    imp = components().rpc.call("crm", "start_import", {**call.query, "content": call.text},
                                context=call.caller.context, timeout=UPLOAD_RPC_TIMEOUT)
    return json_response(imp, 201, {"Location": f"{bp.url_prefix}/{imp['id']}"})


@endpoint(bp, "", "GET", summary="List imports, newest first", tag=TAG, query=ImportListQuery,
          response=ImportPageSchema, paginated=True)
def list_imports(call: Call) -> Response:
    return page_response(call_page(call, "crm", "list_imports", **call.query))


@endpoint(bp, "/<uuid:import_id>", "GET", summary="An import: its progress and problems",
          tag=TAG, response=ImportSchema)
def get_import(call: Call, import_id: UUID) -> Response:
    return json_response(call_crm(call, "get_import", import_id=str(import_id)))


@endpoint(bp, "/<uuid:import_id>/run", "POST", summary="Import a file after its dry run",
          tag=TAG, response=ImportSchema, status=202, location=True, errors=(409,),
          description="Only a `validated` import runs (409 otherwise); poll the Location "
                      "until `completed`. Rows imported before are skipped, not doubled.")
def run_import(call: Call, import_id: UUID) -> Response:
    imp = call_crm(call, "run_import", import_id=str(import_id))
    return json_response(imp, 202, {"Location": f"{bp.url_prefix}/{imp['id']}"})


@endpoint(bp, "/<uuid:import_id>/retry", "POST", summary="Retry a failed import", tag=TAG,
          response=ImportSchema, status=202, location=True, errors=(409,),
          description="Only a `failed` import is retried (409 otherwise): a dry run checks "
                      "the file again, an import goes on after the last rows it committed. "
                      "Rows imported before are skipped, not doubled.")
def retry_import(call: Call, import_id: UUID) -> Response:
    imp = call_crm(call, "retry_import", import_id=str(import_id))
    return json_response(imp, 202, {"Location": f"{bp.url_prefix}/{imp['id']}"})


@endpoint(bp, "/<uuid:import_id>/problems", "GET", summary="Every problem of an import",
          tag=TAG, query=ListQuerySchema, response=ImportProblemPageSchema, paginated=True,
          description="All the problems of the last pass in file order, page by page (the "
                      "import itself carries the first 1,000). A row lists at most 20; "
                      "the 20th then says how many more it has.")
def list_import_problems(call: Call, import_id: UUID) -> Response:
    return page_response(call_page(call, "crm", "list_import_problems", import_id=str(import_id),
                                  **call.query))
