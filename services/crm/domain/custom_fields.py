"""Custom fields' rules in plain Python: keys, options, and each type's values.

A value is checked on write and stored in the object's JSONB `custom` column in the form
that keeps it queryable (docs/rpc/crm.md#custom-fields): numbers as JSON integers,
decimals as canonical decimal strings (JSON numbers come back as floats), money in its
wire shape, dates as `YYYY-MM-DD` strings (which sort as dates), multi-selects as lists.
`check_value` returning `None` means "clear the field". What lists may ask of these
values (filters, ranges, sorts) is in `custom_field_queries.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from shared.errors import ValidationFailed
from shared.money import Money

ENTITIES = ("client", "contact", "deal")
TYPES = ("text", "long_text", "number", "decimal", "money", "date", "boolean",
         "single_select", "multi_select", "url", "email", "user")
SELECT_TYPES = frozenset({"single_select", "multi_select"})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
KEY_RULE = "A slug of 1-64 characters: a-z first, then a-z, 0-9 or _."
MAX_FIELDS_PER_ENTITY = 100
"""So a form's definitions always fit in one page of the list (limit 100)."""
MAX_OPTIONS = 200
MAX_TEXT = 500
MAX_LONG_TEXT = 20_000
NUMBER_LIMIT = 10**15 - 1
"""Integers within +-(10^15 - 1): exact in JSON, in JavaScript and in NUMERIC."""
DECIMAL_INTEGER_DIGITS = 15
DECIMAL_PLACES = 10
MISSING_NUMBER = Decimal("-1E+16")
"""What an object without a number sorts as: below every allowed value."""
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ValueRefused(ValueError):
    """A value its field's type refuses; the message says what is expected."""


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed("Invalid key.", {"key": [KEY_RULE]})
    return key


def check_options(field_type: str, options: Any) -> list[dict[str, str]]:
    """A select's options `[{value, label}]` (values unique, label defaulting to the value);
    other types take none."""
    if field_type not in SELECT_TYPES:
        if options:
            raise ValidationFailed("Invalid options.",
                                   {"options": ["Only select fields have options."]})
        return []
    if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
        raise ValidationFailed("Invalid options.", {
            "options": [f"A select needs 1 to {MAX_OPTIONS} options."]})
    checked: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, option in enumerate(options):
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(value, str) or not 1 <= len(value.strip()) <= 100:
            raise ValidationFailed("Invalid options.", {
                f"options.{index}.value": ["Must be a text of 1-100 characters."]})
        value = value.strip()
        if value in seen:
            raise ValidationFailed("Invalid options.", {
                f"options.{index}.value": [f"{value!r} is listed twice."]})
        seen.add(value)
        label = option.get("label") or value
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 200:
            raise ValidationFailed("Invalid options.", {
                f"options.{index}.label": ["Must be a text of 1-200 characters."]})
        checked.append({"value": value, "label": label.strip()})
    return checked


def check_value(field_type: str, value: Any, *, options: Collection[str] = (),
                held: Any = None) -> Any:
    """The stored form of `value` for a field of `field_type`, or ValueRefused.

    `options` are a select's current option values; `held` is what the object holds now,
    whose options stay allowed even after they were removed from the definition.
    """
    if value is None:
        return None
    check = _CHECKS[field_type]
    if field_type in SELECT_TYPES:
        allowed = set(options) | set(_as_list(held))
        return check(value, allowed)
    return check(value)


def _as_list(held: Any) -> list[Any]:
    if held is None:
        return []
    return held if isinstance(held, list) else [held]


def _text(limit: int) -> Any:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            raise ValueRefused("Must be a text.")
        value = value.strip()
        if len(value) > limit:
            raise ValueRefused(f"Must be at most {limit} characters.")
        return value or None

    return check


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueRefused("Must be a whole number (a JSON integer).")
    if abs(value) > NUMBER_LIMIT:
        raise ValueRefused(f"Must be between -{NUMBER_LIMIT} and {NUMBER_LIMIT}.")
    return value


def _decimal(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueRefused('Must be a decimal string such as "12.50" (never a float).')
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueRefused('Must be a decimal string such as "12.50".')
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole.lstrip("0")) > DECIMAL_INTEGER_DIGITS:
        raise ValueRefused(f"Must have at most {DECIMAL_INTEGER_DIGITS} digits before the point.")
    if len(fraction.rstrip("0")) > DECIMAL_PLACES:
        raise ValueRefused(f"Must have at most {DECIMAL_PLACES} decimal places.")
    return canonical_decimal(Decimal(text))


def canonical_decimal(number: Decimal) -> str:
    """One spelling per value (`12.50` -> `12.5`, `-0` -> `0`), so equality filters work."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def _money(value: Any) -> dict[str, str]:
    try:
        return Money.parse(value, "value").to_wire()
    except ValidationFailed as refused:
        raise ValueRefused(" ".join(m for ms in refused.errors.values() for m in ms)) from None


def _date(value: Any) -> str:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise ValueRefused("Must be a date as YYYY-MM-DD.")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueRefused("Must be a real date as YYYY-MM-DD.") from None


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueRefused("Must be true or false.")
    return value


def _single_select(value: Any, allowed: set[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueRefused(f"Must be one of: {', '.join(sorted(allowed))}.")
    return value


def _multi_select(value: Any, allowed: set[str]) -> list[str] | None:
    if not isinstance(value, list):
        raise ValueRefused("Must be a list of option values.")
    for item in value:
        _single_select(item, allowed)
    if len(set(value)) != len(value):
        raise ValueRefused("Must not list an option twice.")
    return list(value) or None


def _url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueRefused("Must be a URL.")
    value = value.strip()
    if len(value) > 2048 or any(c.isspace() for c in value):
        raise ValueRefused("Must be an http(s) URL of at most 2048 characters.")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueRefused("Must be an http(s) URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueRefused("Must be an http(s) URL.")
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueRefused("Must be an email address.")
    value = value.strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueRefused("Must be an email address.")
    return value


def _user(value: Any) -> str:
    """A user id's shape; that it names an active member is the use case's check."""
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else _refuse_user()
    except ValueError:
        return _refuse_user()


def _refuse_user() -> str:
    raise ValueRefused("Must be the id of a member of your tenant.")


_CHECKS: dict[str, Any] = {
    "text": _text(MAX_TEXT), "long_text": _text(MAX_LONG_TEXT), "number": _number,
    "decimal": _decimal, "money": _money, "date": _date, "boolean": _boolean,
    "single_select": _single_select, "multi_select": _multi_select, "url": _url,
    "email": _email, "user": _user,
}

