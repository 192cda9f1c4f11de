"""Rules of CSV imports: which columns mean which field, a row as API input, import keys.

A header matches a field by its API name or a common spelling, compared case-, space-,
`_`, `-` and `.`-insensitively ("Company Name" = `company_name` -> `name`). Custom fields
are `custom.<key>` columns. Unknown columns refuse the file (the API refuses unknown
fields too); the read-only columns an export writes (`domain`, `created_at`, ...) are
accepted and ignored, so an exported file imports again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.crm.domain.csv_files import unescape_cell
from shared.errors import ValidationFailed

STATUSES = ("validating", "validated", "importing", "completed", "failed", "expired")
"""validating (dry run) -> validated -> importing -> completed; or straight to importing.
A pass that cannot go on ends `failed` (retry resumes it); a file left unused `expired`."""
ACTIVE = ("validating", "importing")
WAITING = ("validated", "failed")
"""Statuses whose file is kept for the user's next step (run, retry), for KEEP_FILE_FOR."""
BATCH_SIZE = 500
MAX_STORED_PROBLEMS = 1000
"""Problems the import's report carries; all of them are listed at .../problems."""
MAX_PROBLEMS_PER_ROW = 20
"""Problems listed per row: beyond, one more says how many more the row has."""
STALLED_AFTER = timedelta(hours=1)
"""A pass updates its import every batch; one silent this long has stopped (its process
died and its event is gone): it fails. Longer than the event retries take (~13 min)."""
KEEP_FILE_FOR = timedelta(hours=24)
"""A validated (or failed) import's file is kept this long for the user's next step."""
CUSTOM_PREFIX = "custom."
KEY_MAX = 100


def normalise_header(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "_", header.strip().casefold()).strip("_")


@dataclass(frozen=True)
class EntityColumns:
    """The columns an entity's import accepts: field -> accepted spellings."""

    entity: str
    fields: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    ignored: tuple[str, ...] = ()
    """Read-only columns of this entity's export: accepted, not imported."""
    lists: tuple[str, ...] = ()
    """Fields whose cell is a `;`- or `,`-separated list."""
    lower_cased: tuple[str, ...] = ()
    upper_cased: tuple[str, ...] = ()
    nested: Mapping[str, str] = field(default_factory=dict)
    """`billing_address.city` -> the nested object it belongs to."""
    entries: tuple[str, ...] = ()
    """Fields whose cell lists values that become `[{value, primary}]`, the first primary
    (a contact's emails and phones)."""
    one_of: tuple[str, ...] = ()
    """At least one of these columns is required (a contact's names)."""

    def lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for name, spellings in self.fields.items():
            for spelling in (name, *spellings):
                table[normalise_header(spelling)] = name
        for name in self.ignored:
            table.setdefault(normalise_header(name), "")
        return table


@dataclass(frozen=True)
class ColumnMap:
    """The file's header resolved: the field of each column (`""` = ignored)."""

    header: tuple[str, ...]
    fields: tuple[str, ...]

    def column_of(self, field_name: str) -> str | None:
        """The header (as written in the file) that fills `field_name`."""
        for header, name in zip(self.header, self.fields, strict=True):
            if name == field_name:
                return header
        return None

    def as_list(self) -> list[dict[str, str | None]]:
        return [{"header": h, "field": f or None} for h, f in zip(self.header, self.fields,
                                                                    strict=True)]


def map_header(header: Sequence[str], columns: EntityColumns) -> ColumnMap:
    """Each column's field, or a file-level error listing unknown, doubled and missing
    columns (all of them at once)."""
    lookup = columns.lookup()
    resolved: list[str] = []
    unknown: list[str] = []
    used: dict[str, str] = {}
    doubled: list[str] = []
    for position, name in enumerate(header, start=1):
        if name.casefold().startswith(CUSTOM_PREFIX):
            key = name[len(CUSTOM_PREFIX):].strip()
            target = f"{CUSTOM_PREFIX}{key}" if key else None
        elif not name.strip():
            target = ""  # a nameless (empty: read_csv refuses filled ones) column
        else:
            target = lookup.get(normalise_header(name))
        if target is None:
            unknown.append(f"{name!r} (column {position})")
            resolved.append("")
            continue
        if target and target in used:
            doubled.append(f"{used[target]!r} and {name!r} both fill {target}")
        elif target:
            used[target] = name
        resolved.append(target)
    messages: list[str] = []
    if unknown:
        messages.append(f"Unknown columns: {', '.join(unknown)}. Accepted: "
                        f"{', '.join(columns.fields)}, and custom.<key> for custom fields.")
    messages.extend(f"Columns {d}." for d in doubled)
    missing = [name for name in columns.required if name not in used]
    if missing:
        messages.append(f"Missing required columns: {', '.join(missing)}.")
    if columns.one_of and not any(name in used for name in columns.one_of):
        messages.append(f"Missing columns: one of {', '.join(columns.one_of)} is required.")
    if messages:
        raise ValidationFailed(" ".join(messages), {"file": messages})
    return ColumnMap(tuple(header), tuple(resolved))


def split_list(cell: str) -> list[str]:
    """`a; b` or `a, b` -> [a, b]: `;` wins when present, so `x,y; z` keeps `x,y`."""
    separator = ";" if ";" in cell else ","
    return [part.strip() for part in cell.split(separator) if part.strip()]


@dataclass(frozen=True)
class MappedRow:
    """A row as API input (empty cells left out, so the API's defaults apply)."""

    payload: dict[str, Any]
    custom: dict[str, str]
    external_id: str | None
    object_id: str | None


def map_row(cells: Sequence[str], columns: ColumnMap, spec: EntityColumns) -> MappedRow:
    payload: dict[str, Any] = {}
    custom: dict[str, str] = {}
    external_id = object_id = None
    for name, raw in zip(columns.fields, cells, strict=False):
        value = unescape_cell(raw.strip())
        if not name or not value:
            continue
        if name in spec.lower_cased:
            value = value.lower()
        elif name in spec.upper_cased:
            value = value.upper()
        if name.startswith(CUSTOM_PREFIX):
            custom[name[len(CUSTOM_PREFIX):]] = value
        elif name == "external_id":
            external_id = value
        elif name == "id":
            object_id = value
        elif name in spec.nested:
            payload.setdefault(spec.nested[name], {})[name.split(".", 1)[1]] = value
        elif name in spec.lists:
            payload[name] = split_list(value)
        elif name in spec.entries:
            payload[name] = [{"value": v, "primary": i == 0}
                             for i, v in enumerate(split_list(value))]
        else:
            payload[name] = value
    return MappedRow(payload, custom, external_id, object_id)


def import_key(row: MappedRow) -> str:
    """What makes a re-run skip the row: its `external_id` when the file has one, else the
    exported object's `id`, else a hash of the normalised row (so the same row in another
    column order or header spelling is still the same row)."""
    if row.external_id:
        return _bounded("ext:", row.external_id)
    if row.object_id:
        return _bounded("id:", row.object_id.lower())
    canonical = json.dumps({"fields": row.payload, "custom": row.custom}, sort_keys=True,
                           ensure_ascii=False)
    return "row:" + hashlib.sha256(canonical.encode()).hexdigest()


def _bounded(prefix: str, value: str) -> str:
    key = prefix + value
    if len(key) <= KEY_MAX:
        return key
    return f"{prefix}sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def problem(row: int | None, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def problems_from_errors(row: int, errors: Mapping[str, Sequence[str]],
                         columns: ColumnMap) -> list[dict[str, Any]]:
    """A use case's field errors as problems naming the file's column."""
    found: list[dict[str, Any]] = []
    for name, messages in errors.items():
        column = columns.column_of(name)
        if column is None and "." in name:
            column = columns.column_of(name.split(".", 1)[0])
        for message in messages:
            found.append(problem(row, column or (None if name == "_schema" else name),
                                 message))
    return found


TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})


def custom_value(field_type: str | None, cell: str) -> Any:
    """A custom field's cell as the JSON value the API takes for its type; what cannot be
    converted is passed on as text, for the custom field check to refuse with its message."""
    if field_type == "multi_select":
        return split_list(cell)
    if field_type == "boolean":
        word = cell.casefold()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else cell
    if field_type == "number":
        try:
            return int(cell)
        except ValueError:
            try:
                return float(cell)
            except ValueError:
                return cell
    if field_type == "money":
        match = re.fullmatch(r"([A-Za-z]{3})?\s*(-?[\d.]+)\s*([A-Za-z]{3})?", cell)
        if match and bool(match.group(1)) != bool(match.group(3)):
            return {"amount": match.group(2),
                    "currency": (match.group(1) or match.group(3)).upper()}
    return cell


def custom_cell(value: Any) -> str:
    """A shown custom value as one cell: lists `;`-joined, money `1234.50 EUR`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict) and {"amount", "currency"} <= set(value):
        return f"{value['amount']} {value['currency']}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


CLIENT_COLUMNS = EntityColumns(
    entity="clients",
    fields={
        "name": ("company", "company name", "client", "client name", "organisation",
                 "organization", "account name"),
        "legal_name": ("legal company name", "registered name"),
        "website": ("url", "web", "web site", "homepage"),
        "industry": ("sector",),
        "tax_id": ("vat", "vat id", "vat number", "tax number"),
        "currency": ("currency code",),
        "owner_id": (),
        "owner_email": ("owner",),
        "status": (),
        "tags": ("tag", "labels"),
        "notes": ("note", "comments", "description"),
        "billing_address.line1": ("address", "street", "address line 1", "address1",
                                  "billing address"),
        "billing_address.line2": ("address line 2", "address2"),
        "billing_address.city": ("city", "town"),
        "billing_address.region": ("region", "state", "province", "county"),
        "billing_address.postal_code": ("postal code", "postcode", "zip", "zip code"),
        "billing_address.country": ("country", "country code"),
        "external_id": ("external key",),
        "id": (),
    },
    required=("name", "currency"),
    ignored=("domain", "owner_name", "owner_flagged", "archived_at", "created_at",
             "updated_at", "version"),
    lists=("tags",),
    lower_cased=("status", "owner_email"),
    upper_cased=("billing_address.country",),
    nested={f"billing_address.{part}": "billing_address"
            for part in ("line1", "line2", "city", "region", "postal_code", "country")},
)


CONTACT_COLUMNS = EntityColumns(
    entity="contacts",
    fields={
        "first_name": ("first", "firstname", "given name", "forename"),
        "last_name": ("last", "lastname", "surname", "family name"),
        "name": ("full name", "display name", "contact name", "contact"),
        "title": ("job title", "position"),
        "emails": ("email", "e-mail", "email address", "mail"),
        "phones": ("phone", "telephone", "phone number", "mobile", "tel"),
        "owner_id": (),
        "owner_email": ("owner",),
        "tags": ("tag", "labels"),
        "notes": ("note", "comments", "description"),
        "client_id": (),
        "client": ("company", "company name", "organisation", "organization", "client name"),
        "client_role": ("role",),
        "external_id": ("external key",),
        "id": (),
    },
    required=(),
    one_of=("name", "first_name", "last_name"),
    ignored=("primary_email", "primary_phone", "primary_client_id", "owner_name",
             "owner_flagged", "created_at", "updated_at", "version"),
    lists=("tags",),
    lower_cased=("owner_email",),
    entries=("emails", "phones"),
)


def row_problems(found: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row's problems as listed: at most MAX_PROBLEMS_PER_ROW, the last one saying how
    many more there are, so a row with a problem in each of 200 columns stays readable."""
    if len(found) <= MAX_PROBLEMS_PER_ROW:
        return list(found)
    kept = list(found[:MAX_PROBLEMS_PER_ROW - 1])
    more = len(found) - len(kept)
    return [*kept, problem(kept[0]["row"], None, f"And {more} more problems in this row.")]


def failure_reason(*, dry_run: bool, position: int, attempts: int) -> str:
    """Why a pass that failed on every attempt stopped, for the import's user."""
    row = position + 2  # the first row not processed: header = 1
    done = "checked" if dry_run else "imported"
    return (f"The {'dry run' if dry_run else 'import'} stopped at row {row}: an error on our "
            f"side, {attempts} attempts in a row. Rows before it were {done}. Retry it"
            f"{'' if dry_run else ' to go on from row ' + str(row)}; no row is created "
            "twice.")


@dataclass(frozen=True)
class Review:
    """What crm's timer does with an import: change its status (with a reason), and when
    to look at it again (None: never, it holds no file)."""

    status: str | None
    reason: str | None
    next_review: datetime | None


def review(status: str, updated_at: datetime, now: datetime, *, dry_run: bool) -> Review:
    """A pass silent for STALLED_AFTER fails (its file kept for a retry); a file waiting
    unused for KEEP_FILE_FOR expires (and is removed)."""
    if status in ACTIVE:
        if now - updated_at < STALLED_AFTER:
            return Review(None, None, updated_at + STALLED_AFTER)
        what = "dry run" if dry_run else "import"
        return Review("failed", f"The {what} made no progress for "
                                f"{_duration(STALLED_AFTER)} and was stopped. Retry it: no row is "
                                "created twice.",
                      now + KEEP_FILE_FOR)
    if status in WAITING:
        if now - updated_at < KEEP_FILE_FOR:
            return Review(None, None, updated_at + KEEP_FILE_FOR)
        step = "imported" if status == "validated" else "retried"
        return Review("expired", f"The file was removed: it was not {step} within "
                                 f"{_duration(KEEP_FILE_FOR)}. Upload it again to import "
                                 "it; rows imported already are skipped.", None)
    return Review(None, None, None)


def _duration(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours >= 1 and hours == int(hours):
        return f"{int(hours)} hour{'s' if hours != 1 else ''}"
    return f"{int(span.total_seconds() // 60)} minutes"
