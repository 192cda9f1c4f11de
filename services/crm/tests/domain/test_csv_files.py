"""The file-level rules of CSV imports and exports: what is refused, how rows are read."""

from __future__ import annotations

import pytest

from services.crm.domain.csv_files import (
    data_rows,
    ragged,
    read_csv,
    safe_cell,
    sniff_delimiter,
    unescape_cell,
    write_rows,
)
from shared.errors import ValidationFailed


def refusal(text: str, **limits) -> str:
    with pytest.raises(ValidationFailed) as refused:
        read_csv(text, **limits)
    assert list(refused.value.errors) == ["file"]
    return refused.value.errors["file"][0]


def test_a_file_is_read_with_its_header_and_row_count():
    read = read_csv("name,currency\r\nAcme,EUR\r\n\r\n,\r\nBeta,USD\r\n")
    assert read.header == ("name", "currency") and read.delimiter == ","
    assert read.row_count == 2
    assert list(data_rows(read)) == [(2, ["Acme", "EUR"]), (5, ["Beta", "USD"])]
    assert list(data_rows(read, start=1)) == [(5, ["Beta", "USD"])]


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_header():
    assert read_csv("\ufeffname,currency\nAcme,EUR\n").header == ("name", "currency")


def test_quoted_cells_keep_delimiters_quotes_and_newlines():
    read = read_csv('name,notes\n"Acme, Inc.","said ""hi""\nand left"\n')
    assert list(data_rows(read)) == [(2, ["Acme, Inc.", 'said "hi"\nand left'])]


def test_semicolon_and_tab_files_are_recognised_by_their_header():
    assert sniff_delimiter("name;currency;notes") == ";"
    assert sniff_delimiter("name\tcurrency") == "\t"
    assert sniff_delimiter("name") == ","
    assert list(data_rows(read_csv("name;currency\nAcme;EUR\n"))) == [(2, ["Acme", "EUR"])]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "empty"),
    ("  \r\n\n", "empty"),
    ("name,currency\n", "header but no rows"),
    ("name,currency\n\n,\n", "header but no rows"),
    ("name\x00,currency\nA,EUR\n", "NUL"),
    ("name,currency\nA\ud800,EUR\n", "lone surrogates"),
    ('name,notes\nAcme,"never closed\nBeta,x\n', "unbalanced quote"),
    ('name,notes\nAcme,"a"b\n', "unbalanced quote"),
    ("name,Name\nAcme,x\n", "repeats the header 'Name'"),
    (",,\n1,2,3\n", "header naming the columns"),
])
def test_unreadable_files_are_refused_as_a_whole(text, expected):
    assert expected in refusal(text)


def test_too_many_rows_or_characters_refuse_the_file():
    assert "more than 2 rows" in refusal("name\na\nb\nc\n", max_rows=2)
    assert "larger than" in refusal("name\n" + "a" * 100, max_chars=50)


def test_a_ragged_row_is_that_rows_problem():
    header = ["name", "currency"]
    assert ragged(["Acme", "EUR"], header) is None
    assert ragged(["Acme", "EUR", "", " "], header) is None
    assert "1 cells but the header has 2" in ragged(["Acme"], header)
    assert "3 cells" in ragged(["Acme", "EUR", "x"], header)


@pytest.mark.parametrize("value", ["=1+2", "+31 20 123", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted_and_read_back(value):
    escaped = safe_cell(value)
    assert escaped == "'" + value
    assert unescape_cell(escaped) == value


def test_ordinary_cells_are_left_alone():
    assert safe_cell("Acme") == "Acme" and safe_cell("") == ""
    assert unescape_cell("'quoted'") == "'quoted'"


def test_written_rows_are_rfc_4180():
    assert write_rows([["a", "b,c"], ['say "x"', "l1\nl2"]]) == (
        'a,"b,c"\r\n"say ""x""","l1\nl2"\r\n')
