"""What a list may ask of custom fields, in plain Python: equality values, ranges and sorts.

The query syntax (docs/rpc/crm.md#custom-fields, ADR 0020): `custom[key]=value` is
equality in the stored form; `custom_min[key]=low` and `custom_max[key]=high` are
inclusive bounds, for number, decimal, money and date fields only. Money compares only
within one currency: its bounds are written `<amount> <currency>`, every filter on a money
field must name the same currency, and a money field sorts only when its filters name one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.crm.domain.custom_fields import (
    MAX_LONG_TEXT,
    ValueRefused,
    check_value,
)
from shared.errors import ValidationFailed
from shared.money import Money, check_currency

EQUAL, MINIMUM, MAXIMUM = "custom", "custom_min", "custom_max"
"""The three list arguments (and query parameters) of custom field filters."""
RANGE_TYPES = frozenset({"number", "decimal", "money", "date"})
SORT_KINDS = {
    "text": "text", "long_text": "text", "url": "text", "email": "text", "user": "text",
    "date": "text",  # ISO dates sort as text exactly as they do as dates
    "number": "number", "decimal": "decimal", "money": "money",
    "boolean": "boolean", "single_select": "option",
}
"""How each type sorts; multi-selects have no order and are refused."""
_CURRENCY_ONLY = re.compile(r"^[A-Za-z]{3}$")
_WHOLE_NUMBER = re.compile(r"^-?\d{1,16}$")
MONEY_SYNTAX = '"<amount> <currency>", e.g. "1200.00 EUR"'


class FilterRefused(ValueError):
    """Filters on one field that cannot be answered: a message per list argument
    (`custom`, `custom_min`, `custom_max`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class FieldFilter:
    """What a list asks of one field: `contains` for `custom @> {key: contains}` (GIN
    indexed), inclusive bounds comparable with the field's value (Decimal for numbers,
    decimals and money amounts; ISO text for dates), and money's one currency."""

    contains: Any = None
    low: Decimal | str | None = None
    high: Decimal | str | None = None
    currency: str | None = None


def filter_value(field_type: str, raw: str) -> Any:
    """What `custom @> {key: <this>}` must contain for the query `custom[key]=raw`.

    Equality, in each type's stored form; a multi-select matches objects holding the
    option among others; money is written `<amount> <currency>` (`1200.00 EUR`), or just
    `<currency>` for every amount in it (`{"currency": "EUR"}` is contained too).
    """
    raw = raw.strip()
    if field_type == "number":
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValueRefused("Must be a whole number.")
        return check_value("number", int(raw))
    if field_type == "boolean":
        if raw not in ("true", "false"):
            raise ValueRefused("Must be true or false.")
        return raw == "true"
    if field_type == "money":
        if _CURRENCY_ONLY.fullmatch(raw):
            return {"currency": _currency(raw)}
        return _money(raw).to_wire()
    if field_type == "single_select":
        return _filter_text(raw, 100)
    if field_type == "multi_select":
        return [_filter_text(raw, 100)]
    if field_type in ("text", "long_text"):
        return _filter_text(raw, MAX_LONG_TEXT)
    return check_value(field_type, raw)


def range_bound(field_type: str, raw: str) -> tuple[Decimal | str, str | None]:
    """A `custom_min`/`custom_max` bound: `(value, currency)`, the currency for money."""
    if field_type not in RANGE_TYPES:
        raise ValueRefused(f"A {field_type} field has no range; filter it with custom[key].")
    raw = raw.strip()
    if field_type == "money":
        money = _money(raw)
        return money.amount, money.currency
    if field_type == "number":
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValueRefused("Must be a whole number.")
        return Decimal(check_value("number", int(raw))), None
    if field_type == "decimal":
        return Decimal(check_value("decimal", raw)), None
    return check_value("date", raw), None


def field_filter(field_type: str, *, equal: str | None = None, low: str | None = None,
                 high: str | None = None) -> FieldFilter:
    """One field's filters checked together, or FilterRefused naming each bad argument:
    values per type, `low <= high`, and one currency across a money field's filters."""
    errors: dict[str, str] = {}
    contains: Any = None
    bounds: dict[str, tuple[Decimal | str, str | None]] = {}
    if equal is not None:
        try:
            contains = filter_value(field_type, equal)
        except ValueRefused as refused:
            errors[EQUAL] = str(refused)
    for argument, raw in ((MINIMUM, low), (MAXIMUM, high)):
        if raw is not None:
            try:
                bounds[argument] = range_bound(field_type, raw)
            except ValueRefused as refused:
                errors[argument] = str(refused)
    if errors:
        raise FilterRefused(errors)
    currency = _one_currency(field_type, contains, bounds)
    low_value = bounds[MINIMUM][0] if MINIMUM in bounds else None
    high_value = bounds[MAXIMUM][0] if MAXIMUM in bounds else None
    if low_value is not None and high_value is not None and _below(high_value, low_value):
        raise FilterRefused({MAXIMUM: "Must not be below custom_min."})
    if field_type == "money" and contains is None:
        contains = {"currency": currency}
    return FieldFilter(contains=contains, low=low_value, high=high_value, currency=currency)


def _below(high: Decimal | str, low: Decimal | str) -> bool:
    """One field's bounds share a type: Decimals, or ISO dates (which compare as text)."""
    if isinstance(high, Decimal) and isinstance(low, Decimal):
        return high < low
    return str(high) < str(low)


def _one_currency(field_type: str, contains: Any,
                  bounds: dict[str, tuple[Decimal | str, str | None]]) -> str | None:
    if field_type != "money":
        return None
    named = {argument: currency for argument, (_, currency) in bounds.items()}
    if contains is not None:
        named[EQUAL] = contains["currency"]
    if len(set(named.values())) > 1:
        message = "Every filter on a money field must name the same currency."
        raise FilterRefused({argument: message for argument in named})
    return next(iter(named.values()), None)


def sort_kind(field_type: str, *, currency: str | None = None) -> str:
    """How a field sorts (a SORT_KINDS value), or ValueRefused: multi-selects have no
    order, and amounts in different currencies are not comparable, so a money field sorts
    only when the list's filters on it name one currency."""
    kind = SORT_KINDS.get(field_type)
    if kind is None:
        raise ValueRefused(f"A {field_type} field has no order.")
    if kind == "money" and currency is None:
        raise ValueRefused("A money field sorts within one currency: filter it with "
                           "custom[key]=<currency> (e.g. EUR) or a range in one currency.")
    return kind


def _currency(raw: str) -> str:
    try:
        return check_currency(raw)
    except ValidationFailed:
        raise ValueRefused("Must be an ISO 4217 currency code, e.g. EUR.") from None


def _money(raw: str) -> Money:
    amount, _, currency = raw.partition(" ")
    try:
        return Money.parse({"amount": amount, "currency": currency.strip()}, "value")
    except ValidationFailed as refused:
        detail = " ".join(m for ms in refused.errors.values() for m in ms)
        raise ValueRefused(f"Must be {MONEY_SYNTAX}. {detail}") from None


def _filter_text(raw: str, limit: int) -> str:
    """Select filters are not checked against the options: an option removed from the
    definition still finds the objects that hold it."""
    if not 1 <= len(raw) <= limit:
        raise ValueRefused(f"Must be 1-{limit} characters.")
    return raw
