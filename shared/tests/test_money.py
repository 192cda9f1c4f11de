"""Money on the wire: decimal strings held to their currency's minor unit, never floats."""

from decimal import Decimal

import pytest

from shared.errors import ValidationFailed
from shared.money import Money, check_currency, format_amount


def test_parses_the_wire_shape_and_formats_it_back_with_the_currency_decimals():
    money = Money.parse({"amount": "1234.5", "currency": "eur"})
    assert money == Money(Decimal("1234.5"), "EUR")
    assert money.to_wire() == {"amount": "1234.50", "currency": "EUR"}
    assert Money.parse({"amount": 1200, "currency": "JPY"}).to_wire() == {
        "amount": "1200", "currency": "JPY"}
    assert format_amount(Decimal("1.2"), "KWD") == "1.200"


@pytest.mark.parametrize("raw", [12.5, True, None, "abc", "NaN", "Infinity", "-1", "1.234",
                                 "1e30", [], {}])
def test_refuses_floats_garbage_negatives_and_excess_decimals(raw):
    with pytest.raises(ValidationFailed) as refused:
        Money.parse({"amount": raw, "currency": "EUR"}, "value")
    assert list(refused.value.errors) == ["value.amount"]


def test_refuses_unknown_currencies_and_malformed_objects():
    with pytest.raises(ValidationFailed) as refused:
        Money.parse({"amount": "1", "currency": "EURO"})
    assert list(refused.value.errors) == ["amount.currency"]
    with pytest.raises(ValidationFailed):
        Money.parse({"amount": "1", "currency": "EUR", "extra": 1})
    with pytest.raises(ValidationFailed):
        Money.parse("12 EUR")
    assert check_currency(" usd ") == "USD"


def test_negative_amounts_only_when_allowed():
    assert Money.parse({"amount": "-5.00", "currency": "EUR"}, allow_negative=True).amount == -5
