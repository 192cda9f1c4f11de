"""Request rate limits in Redis: a fixed window counter per user or per client address.

Shared by every gateway process, so the limit holds however many replicas run. If Redis is
unreachable the limiter lets requests through (and logs it): losing the limiter must not
take the whole API down.

Far from its limit, a bucket is counted in the process and sent to Redis in batches (a
Redis round trip was ~15% of the gateway's CPU per request). Each process keeps at most
1/SHARE of the remaining allowance unsent, so the batches shrink as the count nears the
limit, and the last stretch is counted request by request in Redis, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError

from shared.errors import TooManyRequests

log = logging.getLogger("gateway.rate_limits")

SHARE = 8
"""Gateway processes assumed to count one bucket at the same time."""
MAX_BATCH = 50
"""At most this many requests of a bucket are counted here before Redis hears of them."""
MAX_UNSENT_SECONDS = 1.0
"""Nor are they kept from Redis longer than this."""
MAX_BUCKETS = 100_000
"""Buckets remembered per window (one per user or address): memory stays bounded."""


class _Bucket:
    __slots__ = ("known", "sent_at", "unsent")

    def __init__(self, now: float) -> None:
        self.known = 0
        """The window's count in Redis when we last told it ours."""
        self.unsent = 0
        self.sent_at = now


class RateLimiter:
    def __init__(
        self,
        redis: Redis,
        *,
        user_limit: int,
        anonymous_limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._user_limit = user_limit
        self._anonymous_limit = anonymous_limit
        self._window = max(1, window_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._window_index = -1
        self._buckets: dict[str, _Bucket] = {}

    def check(self, bucket: str, *, authenticated: bool) -> None:
        """Count one request in `bucket`; raise TooManyRequests past the limit."""
        limit = self._user_limit if authenticated else self._anonymous_limit
        now = self._clock()
        window_index = int(now // self._window)
        with self._lock:
            if window_index != self._window_index or len(self._buckets) >= MAX_BUCKETS:
                self._window_index = window_index
                self._buckets = {}
            state = self._buckets.get(bucket)
            if state is None:
                state = self._buckets[bucket] = _Bucket(now)
            if state.known + state.unsent >= limit:
                self._refuse(window_index, now)
            state.unsent += 1
            batch = min(MAX_BATCH, (limit - state.known - state.unsent) // SHARE)
            if state.unsent <= batch and now - state.sent_at < MAX_UNSENT_SECONDS:
                return
            sending, state.unsent = state.unsent, 0
        key = f"bureau:ratelimit:{bucket}:{window_index}"
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.incrby(key, sending)
            pipe.expire(key, self._window + 1)
            count = int(pipe.execute()[0])
        except RedisError:
            log.warning("rate limiter unavailable; letting the request through")
            return
        with self._lock:
            state.known = max(state.known, count)
            state.sent_at = now
        if count > limit:
            self._refuse(window_index, now)

    def _refuse(self, window_index: int, now: float) -> None:
        retry_after = max(1, int((window_index + 1) * self._window - now + 0.999))
        raise TooManyRequests("Too many requests; slow down.", retry_after)
