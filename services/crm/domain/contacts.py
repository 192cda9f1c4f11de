"""Rules about contacts: display names, emails and phones (one primary each), search text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers

from shared.errors import ValidationFailed


def display_name(first_name: str, last_name: str, name: str | None = None) -> str:
    """The given display name, else "first last"; a contact needs one or the other."""
    shown = (name or "").strip() or " ".join(p for p in (first_name.strip(), last_name.strip())
                                             if p)
    if not shown:
        raise ValidationFailed("A contact needs a name.", {
            "name": ["Give a name, or a first or last name."]})
    return shown


def e164(number: str) -> str:
    """`+49 (30) 1234-5678` -> `+493012345678`; international numbers only (a leading +),
    since a contact's country is not known."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise ValueError("Must be an international number starting with +, "
                         "e.g. +49 30 1234567.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("Not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def with_one_primary(items: list[dict[str, Any]], field: str,
                     key: str = "value") -> list[dict[str, Any]]:
    """Entries deduplicated by value (the first kept), exactly one `primary`: the one marked,
    else the first. Two marked primary is a client's mistake, refused."""
    marked = [i for i, item in enumerate(items) if item.get("primary")]
    if len(marked) > 1:
        raise ValidationFailed("Only one primary.", {field: ["Mark at most one as primary."]})
    seen: set[str] = set()
    unique: list[dict[str, Any]] = []
    primary_value = items[marked[0]][key] if marked else None
    for item in items:
        if item[key] in seen:
            continue
        seen.add(item[key])
        unique.append({"value": item[key], "label": item.get("label") or "",
                       "primary": False})
    if unique:
        chosen = next((u for u in unique if u["value"] == primary_value), unique[0])
        chosen["primary"] = True
    return unique


def primary_value(items: Iterable[dict[str, Any]]) -> str | None:
    return next((item["value"] for item in items if item.get("primary")), None)


def search_text(name: str, emails: Iterable[dict[str, Any]],
                phones: Iterable[dict[str, Any]]) -> str:
    """What `q` matches: the name, every email, every phone (E.164, digits with the +)."""
    parts = [name, *(e["value"] for e in emails), *(p["value"] for p in phones)]
    return " ".join(p.strip().lower() for p in parts if p and p.strip())
