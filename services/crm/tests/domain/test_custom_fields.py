"""Custom field rules: keys, options, and what each type accepts, refuses and stores."""

from __future__ import annotations

import pytest

from services.crm.domain.custom_field_queries import filter_value
from services.crm.domain.custom_fields import (
    NUMBER_LIMIT,
    ValueRefused,
    canonical_decimal,
    check_key,
    check_options,
    check_value,
)
from shared.errors import ValidationFailed
from shared.money import NO_CURRENCY

USER = "5f0c1d3e-8a4b-4c2d-9e6f-1a2b3c4d5e6f"
OPTIONS = ("gold", "silver")


@pytest.mark.parametrize("key", ["tier", "a", "vat_id_2", "x" * 64])
def test_keys_are_slugs(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "Tier", "2nd", "_x", "a-b", "a b", "x" * 65, None, "é"])
def test_other_keys_are_refused(key):
    with pytest.raises(ValidationFailed) as refused:
        check_key(key)
    assert set(refused.value.errors) == {"key"}


def test_select_options_have_unique_values_and_default_labels():
    assert check_options("single_select", [{"value": " gold ", "label": "Gold"},
                                           {"value": "silver"}]) == [
        {"value": "gold", "label": "Gold"}, {"value": "silver", "label": "silver"}]


@pytest.mark.parametrize("options, field", [
    ([], "options"),
    (None, "options"),
    ([{"value": "a"}, {"value": "a"}], "options.1.value"),
    ([{"value": ""}], "options.0.value"),
    ([{"label": "A"}], "options.0.value"),
    ([{"value": "a", "label": "x" * 201}], "options.0.label"),
    ([{"value": str(i)} for i in range(201)], "options"),
])
def test_bad_select_options_are_refused(options, field):
    with pytest.raises(ValidationFailed) as refused:
        check_options("multi_select", options)
    assert set(refused.value.errors) == {field}


def test_only_selects_take_options():
    assert check_options("text", None) == []
    with pytest.raises(ValidationFailed):
        check_options("text", [{"value": "a"}])


ACCEPTED = [
    ("text", "  Hello  ", "Hello"),
    ("text", "   ", None),
    ("text", "x" * 500, "x" * 500),
    ("long_text", "x" * 20_000, "x" * 20_000),
    ("number", 42, 42),
    ("number", -NUMBER_LIMIT, -NUMBER_LIMIT),
    ("decimal", "12.50", "12.5"),
    ("decimal", "-0.000", "0"),
    ("decimal", "100", "100"),
    ("decimal", 7, "7"),
    ("decimal", "123456789012345.0123456789", "123456789012345.0123456789"),
    ("money", {"amount": "1200.5", "currency": "eur"}, {"amount": "1200.50", "currency": "EUR"}),
    ("money", {"amount": "500", "currency": "JPY"}, {"amount": "500", "currency": "JPY"}),
    ("date", "2024-02-29", "2024-02-29"),
    ("boolean", False, False),
    ("single_select", "gold", "gold"),
    ("multi_select", ["silver", "gold"], ["silver", "gold"]),
    ("multi_select", [], None),
    ("url", " https://acme.example/x?y=1 ", "https://acme.example/x?y=1"),
    ("url", "HTTP://acme.example", "HTTP://acme.example"),
    ("email", " Ann@Acme.Example ", "ann@acme.example"),
    ("user", USER.upper(), USER),
]


@pytest.mark.parametrize("field_type, value, stored", ACCEPTED)
def test_each_type_stores_its_canonical_form(field_type, value, stored):
    assert check_value(field_type, value, options=OPTIONS) == stored


REFUSED = [
    ("text", 5), ("text", "x" * 501), ("long_text", "x" * 20_001), ("long_text", ["a"]),
    ("number", 1.0), ("number", "5"), ("number", True), ("number", NUMBER_LIMIT + 1),
    ("decimal", 1.5), ("decimal", "1e5"), ("decimal", "abc"), ("decimal", "NaN"),
    ("decimal", True), ("decimal", "1" * 16), ("decimal", "0.12345678901"), ("decimal", " "),
    ("money", {"amount": 1.5, "currency": "EUR"}),
    ("money", {"amount": "1.234", "currency": "EUR"}),
    ("money", {"amount": "1", "currency": NO_CURRENCY}), ("money", "1 EUR"),
    ("money", {"amount": "1", "currency": "EUR", "x": 1}),
    ("money", {"amount": "-1", "currency": "EUR"}),
    ("date", "2023-02-29"), ("date", "2024-1-05"), ("date", "2024-01-05T00:00:00"),
    ("date", 20240105),
    ("boolean", "true"), ("boolean", 1), ("boolean", 0),
    ("single_select", "bronze"), ("single_select", ["gold"]), ("single_select", 1),
    ("multi_select", "gold"), ("multi_select", ["gold", "gold"]), ("multi_select", ["bronze"]),
    ("multi_select", [1]),
    ("url", "ftp://acme.example"), ("url", "javascript:alert(1)"), ("url", "https://"),
    ("url", "https://a b.example"), ("url", "acme.example"),
    ("url", "https://x.example/" + "a" * 2048),
    ("email", "not an email"), ("email", "a@b"), ("email", "@acme.example"), ("email", 5),
    ("user", "not-a-uuid"), ("user", 5),
]


@pytest.mark.parametrize("field_type, value", REFUSED)
def test_each_type_refuses_what_does_not_fit(field_type, value):
    with pytest.raises(ValueRefused) as refused:
        check_value(field_type, value, options=OPTIONS)
    assert str(refused.value)


def test_none_clears_any_type():
    assert all(check_value(t, None) is None for t in ("text", "number", "user", "multi_select"))


def test_an_option_removed_from_the_definition_stays_allowed_where_it_is_held():
    assert check_value("single_select", "bronze", options=OPTIONS, held="bronze") == "bronze"
    assert check_value("multi_select", ["gold", "bronze"], options=OPTIONS,
                       held=["bronze"]) == ["gold", "bronze"]
    with pytest.raises(ValueRefused):
        check_value("single_select", "bronze", options=OPTIONS, held="gold")


def test_decimals_have_one_spelling_so_equality_filters_match():
    from decimal import Decimal
    assert canonical_decimal(Decimal("1.10")) == "1.1"
    assert canonical_decimal(Decimal("1E+3")) == "1000"
    assert filter_value("decimal", "001.10") == "1.1"


@pytest.mark.parametrize("field_type, raw, wanted", [
    ("number", "42", 42),
    ("number", "-3", -3),
    ("boolean", "true", True),
    ("boolean", "false", False),
    ("date", "2024-05-01", "2024-05-01"),
    ("money", "1200 EUR", {"amount": "1200.00", "currency": "EUR"}),
    ("single_select", "gone", "gone"),
    ("multi_select", "gold", ["gold"]),
    ("email", "Ann@Acme.example", "ann@acme.example"),
    ("text", " Berlin ", "Berlin"),
    ("user", USER, USER),
])
def test_filter_values_are_what_stored_objects_contain(field_type, raw, wanted):
    assert filter_value(field_type, raw) == wanted


@pytest.mark.parametrize("field_type, raw", [
    ("number", "4.5"), ("number", "x"), ("boolean", "yes"), ("date", "May 1"),
    ("money", "1200"), ("money", "1200 EURO"), ("money", "1.234 EUR"), ("user", "x"),
    ("text", ""), ("multi_select", ""),
])
def test_bad_filter_values_are_refused(field_type, raw):
    with pytest.raises(ValueRefused):
        filter_value(field_type, raw)
