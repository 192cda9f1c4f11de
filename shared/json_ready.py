"""Turn a service's answer into JSON-ready data, fast: the one way services format output.

Views build plain dicts; this converts the values JSON cannot carry. Timestamps become
RFC 3339 in UTC with a `Z`, UUIDs strings, Decimals strings (money is never a float).
marshmallow stays where it earns its cost, validating input; on output it was measured
at 2.5x the cost of this for a 50-row page.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in a service answer")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-ready")
