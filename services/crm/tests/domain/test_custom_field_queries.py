"""What lists may ask of custom fields: equality values, inclusive ranges on numbers,
decimals, money and dates, one currency per money field, and which fields sort."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.crm.domain.custom_field_queries import (
    FieldFilter,
    FilterRefused,
    field_filter,
    filter_value,
    range_bound,
    sort_kind,
)
from services.crm.domain.custom_fields import NUMBER_LIMIT, ValueRefused


@pytest.mark.parametrize("field_type, raw, wanted", [
    ("number", "5", (Decimal(5), None)),
    ("number", "-12", (Decimal(-12), None)),
    ("decimal", "2.50", (Decimal("2.5"), None)),
    ("decimal", "-0.001", (Decimal("-0.001"), None)),
    ("money", "1000 EUR", (Decimal(1000), "EUR")),
    ("money", "0.5 usd", (Decimal("0.5"), "USD")),
    ("money", "300 JPY", (Decimal(300), "JPY")),
    ("date", " 2026-02-28 ", ("2026-02-28", None)),
])
def test_range_bounds_are_read_in_the_type_of_the_stored_values(field_type, raw, wanted):
    assert range_bound(field_type, raw) == wanted


@pytest.mark.parametrize("field_type, raw", [
    ("number", "4.5"), ("number", "1e3"), ("number", str(NUMBER_LIMIT + 1)), ("number", ""),
    ("decimal", "1,5"), ("decimal", "NaN"), ("decimal", "1" * 16),
    ("money", "1000"), ("money", "EUR"), ("money", "10.005 EUR"), ("money", "-1 EUR"),
    ("money", "10 EURO"),
    ("date", "2026-02-30"), ("date", "28.02.2026"), ("date", "2026-2-1"),
])
def test_bad_bounds_are_refused_with_what_is_expected(field_type, raw):
    with pytest.raises(ValueRefused):
        range_bound(field_type, raw)


@pytest.mark.parametrize("field_type", ["text", "long_text", "boolean", "single_select",
                                        "multi_select", "url", "email", "user"])
def test_only_numbers_decimals_money_and_dates_have_ranges(field_type):
    with pytest.raises(ValueRefused, match="has no range"):
        range_bound(field_type, "5")


def test_a_field_takes_equality_and_both_bounds_at_once():
    assert field_filter("number", low="5", high="10") == FieldFilter(
        low=Decimal(5), high=Decimal(10))
    assert field_filter("number", equal="7", low="5") == FieldFilter(contains=7, low=Decimal(5))
    assert field_filter("date", high="2026-12-31") == FieldFilter(high="2026-12-31")
    assert field_filter("decimal", low="2.5", high="2.50") == FieldFilter(
        low=Decimal("2.5"), high=Decimal("2.5"))  # bounds are inclusive: one value


def test_a_range_whose_maximum_is_below_its_minimum_is_refused():
    for field_type, low, high in (("number", "10", "9"), ("date", "2026-02-01", "2026-01-31"),
                                  ("money", "10 EUR", "9.99 EUR"), ("decimal", "1.1", "1.01")):
        with pytest.raises(FilterRefused) as refused:
            field_filter(field_type, low=low, high=high)
        assert set(refused.value.errors) == {"custom_max"}


def test_each_bad_argument_is_named():
    with pytest.raises(FilterRefused) as refused:
        field_filter("number", equal="x", low="1.5", high="2")
    assert set(refused.value.errors) == {"custom", "custom_min"}


def test_a_money_range_is_within_one_currency_which_the_index_narrows_to():
    wanted = field_filter("money", low="1000 eur", high="5000 EUR")
    assert wanted == FieldFilter(contains={"currency": "EUR"}, low=Decimal(1000),
                                 high=Decimal(5000), currency="EUR")
    assert field_filter("money", equal="USD").contains == {"currency": "USD"}
    assert field_filter("money", equal="12 USD", low="10 USD").currency == "USD"


def test_a_money_fields_filters_must_name_one_currency():
    with pytest.raises(FilterRefused) as refused:
        field_filter("money", low="10 EUR", high="20 USD")
    assert set(refused.value.errors) == {"custom_min", "custom_max"}
    with pytest.raises(FilterRefused) as refused:
        field_filter("money", equal="EUR", high="20 USD")
    assert set(refused.value.errors) == {"custom", "custom_max"}


def test_equality_on_money_takes_an_amount_or_only_a_currency():
    assert filter_value("money", "1200 EUR") == {"amount": "1200.00", "currency": "EUR"}
    assert filter_value("money", "gbp") == {"currency": "GBP"}
    for raw in ("ZZZ", "EU", "1200", "1200 EURO"):
        with pytest.raises(ValueRefused):
            filter_value("money", raw)


@pytest.mark.parametrize("field_type, kind", [
    ("number", "number"), ("decimal", "decimal"), ("date", "text"), ("text", "text"),
    ("boolean", "boolean"), ("single_select", "option"), ("user", "text"),
])
def test_fields_sort_by_their_kind(field_type, kind):
    assert sort_kind(field_type) == kind


def test_money_sorts_only_within_the_one_currency_its_filters_name():
    with pytest.raises(ValueRefused, match="one currency"):
        sort_kind("money")
    assert sort_kind("money", currency="EUR") == "money"


def test_multi_selects_have_no_order():
    with pytest.raises(ValueRefused, match="no order"):
        sort_kind("multi_select")
