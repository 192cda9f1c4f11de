"""CSV exports of CRM lists, streamed: crm answers a chunk of rows per call (keyset paged),
and the gateway passes each chunk on as it comes, holding one chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, stream_with_context

from gateway.endpoints import Call, endpoint
from gateway.routes.service_calls import call_crm
from gateway.schemas.crm_imports import ClientExportQuery, ContactExportQuery

bp = Blueprint("crm_exports", __name__, url_prefix="/api/v1/crm")
TAG = "crm"

def export_description(collection: str, columns: str) -> str:
    return f"""The list with the same filters and sort as `GET /api/v1/crm/{collection}`, as one
CSV file (UTF-8, RFC 4180), streamed. Columns: {columns}, then `custom.<key>` per custom
field. Cells starting with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` so a
spreadsheet does not run them (the import removes it). The file imports again (POST
/api/v1/crm/imports?entity={collection}) without creating anything: the `id` column names
the existing objects. A failure after the first bytes ends the download early (an
incomplete chunked response), never with a partial file that looks whole."""


def csv_download(call: Call, method: str, file_name: str) -> Response:
    first = call_crm(call, method, **call.query)  # bad filters fail here, as a problem

    def chunks() -> Iterator[str]:
        chunk: dict[str, Any] = first
        yield chunk["csv"]
        while chunk["next_cursor"]:
            chunk = call_crm(call, method, **call.query, cursor=chunk["next_cursor"],
                             columns=chunk["columns"])
            yield chunk["csv"]

    return Response(stream_with_context(chunks()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{file_name}"',
        "Cache-Control": "no-store",
    })


@endpoint(bp, "/clients/export", "GET", summary="Export clients as CSV", tag=TAG,
          query=ClientExportQuery, response_media_type="text/csv",
          description=export_description("clients", "the client's fields "
                                         "(`billing_address.<part>` flattened, `tags` joined "
                                         "with `; `)"))
def export_clients(call: Call) -> Response:
    return csv_download(call, "export_clients", "clients.csv")


@endpoint(bp, "/contacts/export", "GET", summary="Export contacts as CSV", tag=TAG,
          query=ContactExportQuery, response_media_type="text/csv",
          description=export_description("contacts", "the contact's fields (`emails` and "
                                         "`phones` joined with `; `, the primary first)"))
def export_contacts(call: Call) -> Response:
    return csv_download(call, "export_contacts", "contacts.csv")
