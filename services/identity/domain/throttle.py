"""Login throttling: after too many failures, a key waits until its window ends.

Each key (an account's email, a client address) has a fixed-window counter. The window
opens at the first failure; reaching the limit blocks that key until the window closes.
A successful login clears the account's counter, never the address's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    limit: int
    window: timedelta


ACCOUNT = Policy(limit=5, window=timedelta(minutes=15))
ADDRESS = Policy(limit=20, window=timedelta(minutes=15))
POLICIES = {"account": ACCOUNT, "address": ADDRESS}


@dataclass(frozen=True)
class Counter:
    failures: int
    window_started_at: datetime


def _current(counter: Counter | None, policy: Policy, now: datetime) -> Counter | None:
    """The counter if its window is still open at `now`."""
    if counter is None or now >= counter.window_started_at + policy.window:
        return None
    return counter


def retry_after(counter: Counter | None, policy: Policy, now: datetime) -> int | None:
    """Whole seconds until the key may try again, or None when it may try now."""
    current = _current(counter, policy, now)
    if current is None or current.failures < policy.limit:
        return None
    remaining = (current.window_started_at + policy.window - now).total_seconds()
    return max(1, math.ceil(remaining))


def after_failure(counter: Counter | None, policy: Policy, now: datetime) -> Counter:
    current = _current(counter, policy, now)
    if current is None:
        return Counter(failures=1, window_started_at=now)
    return Counter(failures=current.failures + 1, window_started_at=current.window_started_at)
