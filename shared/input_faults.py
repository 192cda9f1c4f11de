"""What no service can store or send on, in any decoded input: one check for the gateway
(before it forwards a body) and for every service's input schemas (shared/input_schemas.py).

PostgreSQL text cannot hold a NUL; a lone surrogate (`"\\ud800"`, legal in JSON, not in
Unicode text) cannot be encoded as UTF-8 at all, so neither a database nor a JSON encoder
takes it; orjson refuses NaN, infinities and integers past 64 bits, and every JSON encoder
has a nesting limit. Each is a 400 naming the field instead of a crash further on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MAX_NESTING = 32
"""How deep a body may nest objects and lists: far more than any input needs, far less
than the JSON encoders' limits (orjson stops at 255, Python's json at its recursion
limit), so a deep body is a 400 here instead of a crash further on."""

NUL_MESSAGE = "Must not contain NUL characters."
SURROGATE_MESSAGE = "Must be valid Unicode text (no lone surrogates such as \\ud800)."
NESTING_MESSAGE = f"Must not nest objects or lists more than {MAX_NESTING} levels deep."
NUMBER_MESSAGE = "Must be a finite number within a 64-bit integer's range."
_INT64 = 2**63


def text_fault(text: str) -> str | None:
    """Why PostgreSQL or a JSON encoder cannot hold `text`, or None: a NUL character
    (text columns refuse it) or a lone surrogate (not encodable as UTF-8 at all)."""
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def shown_name(name: Any) -> str:
    """A field name as an error may quote it: lone surrogates escaped (`\\ud800`), since
    the error itself must cross the wire as UTF-8 JSON."""
    return str(name).encode("utf-8", "backslashreplace").decode("utf-8")


def input_faults(data: Mapping[str, Any], skip: frozenset[str] = frozenset(),
                 max_nesting: int = MAX_NESTING) -> dict[str, list[str]]:
    """What in a decoded input no service can store or send on: NULs and lone surrogates
    in any string (keys too), numbers JSON encoders refuse (NaN, infinities, integers past
    64 bits) and nesting deeper than `max_nesting` (the input itself is level 1). Keyed
    by field as `flatten_messages` keys them (`custom.tier`, `tags.1`); too deep a value
    is named by its top-level field. Iterative: a deep input cannot
    exhaust the stack. Fields in `skip` are left to their own checks."""
    faults: dict[str, list[str]] = {}
    pending: list[tuple[str, str, Any, int]] = []
    for key, value in data.items():
        if key in skip:
            continue
        name = shown_name(key)
        fault = text_fault(key) if isinstance(key, str) else None
        if fault:
            faults[name] = [fault]
        else:
            pending.append((name, name, value, 2))
    while pending:
        top, path, value, level = pending.pop()
        if top in faults:
            continue
        if isinstance(value, str):
            fault = text_fault(value)
            if fault:
                faults[path] = [fault]
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            if not (math.isfinite(value) if isinstance(value, float) else
                    -_INT64 <= value < _INT64):
                faults[path] = [NUMBER_MESSAGE]
            continue
        if not isinstance(value, dict | list | tuple):
            continue
        if level > max_nesting:
            faults[top] = [NESTING_MESSAGE]
            continue
        items: Any = value.items() if isinstance(value, dict) else enumerate(value)
        for member, item in items:
            if isinstance(member, str) and (fault := text_fault(member)):
                faults[f"{path}.{shown_name(member)}"] = [fault]
            else:
                pending.append((top, f"{path}.{shown_name(member)}", item, level + 1))
    return faults
