"""Idempotent consumers: an event's effect happens once, however often it is delivered.

Call `first_delivery` inside the transaction that applies the effect. The inbox row and
the effect commit together; a redelivery finds the row and does nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_CLAIM = text(
    "INSERT INTO inbox (event_id, consumer) VALUES (:event_id, :consumer) "
    "ON CONFLICT DO NOTHING"
)


def first_delivery(session: Session, event_id: Any, consumer: str) -> bool:
    """True the first time `consumer` sees `event_id` (in this transaction's view)."""
    result = session.execute(
        _CLAIM, {"event_id": uuid.UUID(str(event_id)), "consumer": consumer}
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
