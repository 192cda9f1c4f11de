"""CSV exports of filtered lists, a chunk of rows per call, so a caller can stream a list
of any length: the list use case with the same filters, paged by its keyset cursor.

Cells are escaped against formula injection; custom fields are `custom.<key>` columns,
fixed by the first chunk and sent back by the caller, so every chunk lines up. An export
imports again as the same objects: its `id` column is the import key (and an id that
exists in the tenant is skipped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from services.crm.domain.csv_files import safe_cell, write_rows
from services.crm.domain.imports import CUSTOM_PREFIX, custom_cell
from services.crm.domain.permissions import Action
from services.crm.use_cases import clients, contacts, custom_fields
from services.crm.use_cases.common import caller
from shared.call_context import CallContext
from shared.errors import ValidationFailed
from shared.json_ready import json_ready

PAGE = 100
PAGES_PER_CHUNK = 10
"""1,000 rows per call: few round trips, a reply far below a megabyte or two."""

ADDRESS = ("line1", "line2", "city", "region", "postal_code", "country")


@dataclass(frozen=True)
class Exporter:
    entity: str
    custom_entity: str
    columns: tuple[str, ...]
    list_page: Callable[..., dict[str, Any]]
    """The entity's list use case: (session, ctx, limit, cursor, **filters) -> page."""


CLIENTS = Exporter(
    entity="clients", custom_entity="client", list_page=clients.list_clients,
    columns=("id", "name", "legal_name", "website", "domain", "industry", "tax_id",
             *(f"billing_address.{part}" for part in ADDRESS), "currency", "owner_id",
             "owner_name", "status", "tags", "notes", "created_at", "updated_at"),
)
CONTACTS = Exporter(
    entity="contacts", custom_entity="contact", list_page=contacts.list_contacts,
    columns=("id", "first_name", "last_name", "name", "title", "emails", "phones",
             "primary_client_id", "owner_id", "owner_name", "tags", "notes", "created_at",
             "updated_at"),
)
EXPORTERS = {"clients": CLIENTS, "contacts": CONTACTS}


def _custom_columns(session: Session, exporter: Exporter) -> list[str]:
    """The active custom fields in their form order (position, then key)."""
    definitions = custom_fields.active_definitions(session, exporter.custom_entity)
    ordered = sorted(definitions.values(), key=lambda d: (d.position, d.key))
    return [f"{CUSTOM_PREFIX}{d.key}" for d in ordered]


def _checked_columns(exporter: Exporter, columns: list[str]) -> list[str]:
    unknown = [c for c in columns if c not in exporter.columns
               and not (c.startswith(CUSTOM_PREFIX) and len(c) > len(CUSTOM_PREFIX))]
    if unknown:
        raise ValidationFailed("Unknown columns.", {"columns": [
            f"Not a column of this export: {', '.join(unknown)}."]})
    return columns


def cell(item: dict[str, Any], column: str) -> str:
    """One column of a listed object (its JSON-ready view) as a safe cell."""
    if column.startswith(CUSTOM_PREFIX):
        value = (item.get("custom") or {}).get(column[len(CUSTOM_PREFIX):])
        return safe_cell(custom_cell(value))
    if "." in column:
        parent, part = column.split(".", 1)
        value = (item.get(parent) or {}).get(part)
    else:
        value = item.get(column)
    if isinstance(value, list):  # tags, or a contact's [{value, primary}] (primary first)
        values = sorted(value, key=lambda v: not (isinstance(v, dict) and v.get("primary")))
        return safe_cell("; ".join(str(v["value"]) if isinstance(v, dict) and "value" in v
                                   else str(v) for v in values))
    return safe_cell(custom_cell(value))


def export_chunk(session: Session, ctx: CallContext, exporter: Exporter, *,
                 columns: list[str] | None = None, cursor: str | None = None,
                 **filters: Any) -> dict[str, Any]:
    """`{csv, columns, next_cursor}`: the next rows of the filtered list as CSV text (the
    header line too when `cursor` is None); call again with `next_cursor` and `columns`
    until `next_cursor` is null."""
    caller(ctx, Action.READ)
    chosen = ([*exporter.columns, *_custom_columns(session, exporter)] if columns is None
              else _checked_columns(exporter, columns))
    rows: list[list[str]] = [[safe_cell(c) for c in chosen]] if cursor is None else []
    for _ in range(PAGES_PER_CHUNK):
        page = exporter.list_page(session, ctx, limit=PAGE, cursor=cursor, **filters)
        rows.extend([cell(item, c) for c in chosen] for item in json_ready(page["data"]))
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            break
    return {"csv": write_rows(rows), "columns": chosen, "next_cursor": cursor}
