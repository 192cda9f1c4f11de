"""Idempotency-Key on POST: the first response is remembered for 24 h and replayed.

A key is claimed atomically (SET NX) with the fingerprint of method, path and body. The
same key with the same body replays the stored response and does nothing more; another
body is a 422; a duplicate arriving while the first is still running is a 409. 5xx
responses are not stored, so a failed attempt may be retried with the same key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from shared.errors import Conflict, ServiceUnavailable, Unprocessable, ValidationFailed

REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Link")
"""Headers of the first response that a replay repeats (X-Request-ID is the replay's own)."""
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def checked_key(raw: str) -> str:
    """The header's key, or a 400 when it is empty, too long or not printable ASCII."""
    if not (0 < len(raw) <= MAX_KEY_LENGTH) or not raw.isascii() or not raw.isprintable():
        raise ValidationFailed(
            "The Idempotency-Key header is invalid.",
            {"Idempotency-Key": [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters."]},
        )
    return raw


class IdempotencyStore:
    """Claims, completes and releases idempotency keys in Redis."""

    def __init__(self, redis: Redis, *, ttl_seconds: int, lock_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._lock_seconds = lock_seconds

    @staticmethod
    def storage_key(scope: str, principal: str, key: str) -> str:
        hashed = hashlib.sha256(key.encode()).hexdigest()
        return f"bureau:idempotency:{scope}:{principal}:{hashed}"

    def claim(self, storage_key: str, print_: str) -> StoredResponse | None:
        """None when this request now owns the key; the stored response when it is a replay."""
        claim = json.dumps({"state": "in_flight", "fingerprint": print_})
        try:
            for _ in range(3):
                if self._redis.set(storage_key, claim, nx=True, ex=self._lock_seconds):
                    return None
                raw = self._redis.get(storage_key)
                if raw is not None:
                    return _existing(json.loads(raw), print_)
        except RedisError as exc:
            raise ServiceUnavailable("The idempotency store is unavailable.") from exc
        raise Conflict("The Idempotency-Key is contended; retry.")

    def complete(self, storage_key: str, print_: str, response: StoredResponse) -> None:
        """Remember `response` for the key's lifetime; a 5xx releases the key instead."""
        if response.status >= 500:
            self.release(storage_key)
            return
        record = {
            "state": "done",
            "fingerprint": print_,
            "status": response.status,
            "headers": response.headers,
            "body": base64.b64encode(response.body).decode(),
        }
        try:
            self._redis.set(storage_key, json.dumps(record), ex=self._ttl)
        except RedisError:
            self.release(storage_key)

    def release(self, storage_key: str) -> None:
        with contextlib.suppress(RedisError):  # else the claim expires after lock_seconds
            self._redis.delete(storage_key)


def _existing(record: dict, print_: str) -> StoredResponse:
    if record.get("fingerprint") != print_:
        raise Unprocessable("This Idempotency-Key was used with a different request.")
    if record.get("state") != "done":
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return StoredResponse(
        status=int(record["status"]),
        headers=dict(record.get("headers") or {}),
        body=base64.b64decode(record["body"]),
    )
