"""Request rate limits in Redis: a fixed window counter per user or per client address.

Shared by every gateway process, so the limit holds however many replicas run. If Redis is
unreachable the limiter lets requests through (and logs it): losing the limiter must not
take the whole API down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError

from shared.errors import TooManyRequests

log = logging.getLogger("gateway.rate_limits")


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

    def check(self, bucket: str, *, authenticated: bool) -> None:
        """Count one request in `bucket`; raise TooManyRequests past the limit."""
        limit = self._user_limit if authenticated else self._anonymous_limit
        now = self._clock()
        window_index = int(now // self._window)
        key = f"bureau:ratelimit:{bucket}:{window_index}"
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self._window + 1)
            count = int(pipe.execute()[0])
        except RedisError:
            log.warning("rate limiter unavailable; letting the request through")
            return
        if count > limit:
            retry_after = max(1, int((window_index + 1) * self._window - now + 0.999))
            raise TooManyRequests("Too many requests; slow down.", retry_after)
