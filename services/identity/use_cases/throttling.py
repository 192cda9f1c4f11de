"""Login throttle counters in the database, judged by domain/throttle.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.identity.domain import throttle
from services.identity.models import LoginFailure
from shared.errors import TooManyRequests


def _keys(email: str, client_ip: str | None) -> dict[str, str]:
    keys = {"account": email}
    if client_ip:
        keys["address"] = client_ip
    return keys


def check_not_throttled(
    session: Session, email: str, client_ip: str | None, now: datetime
) -> dict[str, throttle.Counter]:
    """Raise TooManyRequests while either key is blocked; return the counters (one query)."""
    keys = _keys(email, client_ip)
    rows = session.scalars(
        select(LoginFailure).where(
            or_(*(
                (LoginFailure.scope == scope) & (LoginFailure.key == key)
                for scope, key in keys.items()
            ))
        )
    ).all()
    counters = {r.scope: throttle.Counter(r.failures, r.window_started_at) for r in rows}
    waits = [
        throttle.retry_after(counters.get(scope), throttle.POLICIES[scope], now) for scope in keys
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests("Too many failed sign-ins; try again later.", retry_after=wait)
    return counters


def record_failure(
    session: Session,
    email: str,
    client_ip: str | None,
    counters: dict[str, throttle.Counter],
    now: datetime,
) -> None:
    for scope, key in _keys(email, client_ip).items():
        counter = throttle.after_failure(counters.get(scope), throttle.POLICIES[scope], now)
        stmt = insert(LoginFailure).values(
            scope=scope,
            key=key,
            failures=counter.failures,
            window_started_at=counter.window_started_at,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={
                    "failures": stmt.excluded.failures,
                    "window_started_at": stmt.excluded.window_started_at,
                },
            )
        )


def clear_account(session: Session, email: str, counters: dict[str, throttle.Counter]) -> None:
    if "account" in counters:
        session.execute(
            delete(LoginFailure).where(LoginFailure.scope == "account", LoginFailure.key == email)
        )
