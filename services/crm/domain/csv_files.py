"""Reading and writing CSV text: the file-level rules of imports and exports.

A file is refused as a whole (ValidationFailed keyed `file`, nothing written) when it
cannot be read reliably: empty, too large, binary, a broken quote, a bad header. A row
that merely has the wrong number of cells is that row's problem, reported with the rest.
Row numbers are a spreadsheet's: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationFailed
from shared.input_faults import SURROGATE_MESSAGE, text_fault

MAX_CHARS = 10 * 1024 * 1024
"""Characters of decoded text (the gateway bounds the upload at 10 MiB of bytes)."""
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 100_000
DELIMITERS = (",", ";", "\t")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet treats a cell starting with one of these as a formula (OWASP CSV injection)."""


@dataclass(frozen=True)
class CsvFile:
    """A file that passed the file-level checks: its header, delimiter and record count."""

    text: str
    delimiter: str
    header: tuple[str, ...]
    row_count: int


def file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"file": [message]})


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def sniff_delimiter(first_line: str) -> str:
    """The delimiter the header line uses most: `,` unless `;` or a tab wins (Excel in
    many European locales writes `;`)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _reader(text: str, delimiter: str) -> Any:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def read_csv(text: str, *, max_rows: int = MAX_ROWS, max_chars: int = MAX_CHARS) -> CsvFile:
    """Check the whole file once (so a broken quote at row 40,000 refuses the upload, not
    the import halfway); ValidationFailed `file` when it cannot be imported at all."""
    if len(text) > max_chars:
        raise file_error(f"The file is larger than {max_chars // (1024 * 1024)} MB.")
    text = _without_bom(text)
    if "\x00" in text:
        raise file_error("The file contains NUL characters: it is binary, or UTF-16 without "
                         "a byte order mark. Send CSV text, preferably UTF-8.")
    if text_fault(text) == SURROGATE_MESSAGE:
        raise file_error("The file is not valid Unicode text (it holds lone surrogates). "
                         "Send CSV text, preferably UTF-8.")
    if not text.strip():
        raise file_error("The file is empty.")
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    header: tuple[str, ...] | None = None
    rows = 0
    for number, cells in _records(text, delimiter):
        if header is None:
            header = tuple(cell.strip() for cell in cells)
            continue
        if _blank(cells):
            continue
        rows += 1
        if rows > max_rows:
            raise file_error(f"The file has more than {max_rows:,} rows; split it into "
                             f"files of at most {max_rows:,}.")
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise file_error(f"Row {number} has a cell longer than {MAX_CELL_CHARS:,} "
                             "characters (a missing closing quote?).")
    if header is None:
        raise file_error("The file is empty.")
    _check_header(header)
    if rows == 0:
        raise file_error("The file has a header but no rows.")
    return CsvFile(text=text, delimiter=delimiter, header=header, row_count=rows)


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of every record, blank lines included (as [])."""
    reader = _reader(text, delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise file_error(
                f"The file is not valid CSV near line {reader.line_num} (row {number + 1}): "
                f"{exc}. Check for an unbalanced quote (\") in that row."
            ) from None
        number += 1
        yield number, cells


def _blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _check_header(header: tuple[str, ...]) -> None:
    if len(header) > MAX_COLUMNS:
        raise file_error(f"The file has {len(header)} columns; at most {MAX_COLUMNS}.")
    if _blank(header):
        raise file_error("The first row must be a header naming the columns.")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = name.casefold()
        if key and key in seen:
            raise file_error(f"Column {position} repeats the header {name!r} "
                             f"(column {seen[key]}).")
        seen[key] = position


def data_rows(csv_file: CsvFile, *, start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the records after the header, blank ones left out, from the
    `start`-th record on (a resumed import skips what it already did)."""
    index = 0
    for number, cells in _records(csv_file.text, csv_file.delimiter):
        if number == 1 or _blank(cells):
            continue
        if index >= start:
            yield number, cells
        index += 1


def ragged(cells: Sequence[str], header: Sequence[str]) -> str | None:
    """Why a row's cells do not line up with the header, or None. Trailing empty cells
    beyond the header are tolerated (spreadsheets add them)."""
    extra = cells[len(header):]
    if len(cells) < len(header):
        return (f"The row has {len(cells)} cells but the header has {len(header)} columns "
                "(a missing delimiter or an unbalanced quote?).")
    if any(cell.strip() for cell in extra):
        return (f"The row has {len(cells)} cells but the header has {len(header)} columns "
                "(an unquoted delimiter inside a value?).")
    return None


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula: prefixed with `'` (OWASP)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def unescape_cell(value: str) -> str:
    """The inverse of `safe_cell` on import, so an exported cell reads back as it was."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_rows(rows: Sequence[Sequence[str]]) -> str:
    """CSV text (RFC 4180: CRLF, quotes only where needed) of already-escaped cells."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
