"""Import rules: header spellings, rows as API input, import keys, custom field cells."""

from __future__ import annotations

import pytest

from services.crm.domain.imports import (
    CLIENT_COLUMNS,
    CONTACT_COLUMNS,
    custom_cell,
    custom_value,
    import_key,
    map_header,
    map_row,
    normalise_header,
    problems_from_errors,
    split_list,
)
from shared.errors import ValidationFailed


def test_headers_match_api_names_and_common_spellings_whatever_their_case_or_spacing():
    assert normalise_header("  Company  Name ") == "company_name"
    columns = map_header(["Company Name", "CURRENCY", "billing_address.city", "Zip",
                          "Tags", "custom.Size"], CLIENT_COLUMNS)
    assert columns.fields == ("name", "currency", "billing_address.city",
                              "billing_address.postal_code", "tags", "custom.Size")
    assert columns.column_of("name") == "Company Name"


def test_unknown_doubled_and_missing_columns_are_all_named_at_once():
    with pytest.raises(ValidationFailed) as refused:
        map_header(["Company", "client name", "Colour", "notes"], CLIENT_COLUMNS)
    messages = " ".join(refused.value.errors["file"])
    assert "Unknown columns: 'Colour' (column 3)" in messages
    assert "'Company' and 'client name' both fill name" in messages
    assert "Missing required columns: currency." in messages


def test_the_read_only_columns_of_an_export_are_accepted_and_ignored():
    columns = map_header(["id", "name", "currency", "domain", "created_at", "owner_name"],
                         CLIENT_COLUMNS)
    row = map_row(["7c9e6679-7425-40de-944b-e07fc1f90ae7", "Acme", "EUR", "acme.example",
                   "2026-01-01T00:00:00Z", "Ann"], columns, CLIENT_COLUMNS)
    assert row.payload == {"name": "Acme", "currency": "EUR"}
    assert row.object_id == "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_a_row_becomes_api_input_with_empty_cells_left_out():
    columns = map_header(["name", "currency", "status", "tags", "city", "country", "notes",
                          "custom.size", "website"], CLIENT_COLUMNS)
    row = map_row([" Acme ", "eur", "Active", "vip; b2b", "Berlin", "de", "'=1+1",
                   "10", ""], columns, CLIENT_COLUMNS)
    assert row.payload == {"name": "Acme", "currency": "eur", "status": "active",
                           "tags": ["vip", "b2b"], "notes": "=1+1",
                           "billing_address": {"city": "Berlin", "country": "DE"}}
    assert row.custom == {"size": "10"}


def test_tag_cells_split_on_semicolons_else_commas():
    assert split_list("a, b ,,c") == ["a", "b", "c"]
    assert split_list("x,y; z") == ["x,y", "z"]


def test_import_keys_come_from_external_id_then_id_then_the_normalised_row():
    columns = map_header(["name", "currency", "external_id"], CLIENT_COLUMNS)
    assert import_key(map_row(["A", "EUR", "crm-42"], columns, CLIENT_COLUMNS)) == "ext:crm-42"
    long_id = "x" * 200
    assert len(import_key(map_row(["A", "EUR", long_id], columns, CLIENT_COLUMNS))) <= 100
    by_id = map_header(["id", "name", "currency"], CLIENT_COLUMNS)
    assert import_key(map_row(["ABC", "A", "EUR"], by_id, CLIENT_COLUMNS)) == "id:abc"


def test_the_same_row_has_the_same_key_whatever_the_column_order_or_spelling():
    one = map_header(["name", "currency", "city"], CLIENT_COLUMNS)
    other = map_header(["Town", "Currency", "Company"], CLIENT_COLUMNS)
    first = import_key(map_row(["Acme", "EUR", "Berlin"], one, CLIENT_COLUMNS))
    again = import_key(map_row(["Berlin", "EUR", " Acme"], other, CLIENT_COLUMNS))
    changed = import_key(map_row(["Acme", "EUR", "Bonn"], one, CLIENT_COLUMNS))
    assert first == again != changed and first.startswith("row:")


def test_field_errors_name_the_files_column():
    columns = map_header(["Company", "currency", "city", "custom.size"], CLIENT_COLUMNS)
    found = problems_from_errors(4, {"name": ["Too long."], "billing_address.city": ["Bad."],
                                     "custom.size": ["No such custom field."],
                                     "owner_id": ["Unknown."]}, columns)
    assert found == [
        {"row": 4, "column": "Company", "message": "Too long."},
        {"row": 4, "column": "city", "message": "Bad."},
        {"row": 4, "column": "custom.size", "message": "No such custom field."},
        {"row": 4, "column": "owner_id", "message": "Unknown."},
    ]


@pytest.mark.parametrize(("field_type", "cell", "value"), [
    ("number", "12", 12), ("number", "1.5", 1.5), ("number", "many", "many"),
    ("boolean", "Yes", True), ("boolean", "0", False), ("boolean", "maybe", "maybe"),
    ("multi_select", "a; b", ["a", "b"]),
    ("money", "1234.50 EUR", {"amount": "1234.50", "currency": "EUR"}),
    ("money", "usd 3", {"amount": "3", "currency": "USD"}),
    ("money", "3", "3"), ("text", "x", "x"), (None, "x", "x"),
])
def test_custom_cells_become_the_json_value_of_their_type(field_type, cell, value):
    assert custom_value(field_type, cell) == value


def test_custom_values_export_as_cells_that_import_back():
    assert custom_cell(["a", "b"]) == "a; b"
    assert custom_cell({"amount": "1.00", "currency": "EUR"}) == "1.00 EUR"
    assert custom_cell(True) == "true" and custom_cell(None) == "" and custom_cell(3) == "3"
    assert custom_value("money", custom_cell({"amount": "1.00", "currency": "EUR"})) == {
        "amount": "1.00", "currency": "EUR"}


def test_a_contact_row_lists_its_emails_and_phones_the_first_primary():
    columns = map_header(["First Name", "Surname", "E-mail", "Mobile"], CONTACT_COLUMNS)
    row = map_row(["Ann", "Lee", "ann@acme.test; ann@home.test", "+49 30 1234"], columns,
                  CONTACT_COLUMNS)
    assert row.payload == {
        "first_name": "Ann", "last_name": "Lee",
        "emails": [{"value": "ann@acme.test", "primary": True},
                   {"value": "ann@home.test", "primary": False}],
        "phones": [{"value": "+49 30 1234", "primary": True}]}


def test_a_contact_file_needs_some_name_column():
    with pytest.raises(ValidationFailed) as refused:
        map_header(["email", "title"], CONTACT_COLUMNS)
    assert "one of name, first_name, last_name is required" in refused.value.errors["file"][0]
    assert map_header(["Full Name"], CONTACT_COLUMNS).fields == ("name",)
