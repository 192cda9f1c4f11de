"""The long-lived parts one gateway process shares between requests, built once by the factory.

Views reach them through `components()`, so tests swap a part by passing it to `create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app
from redis import Redis

from gateway.access_tokens import AccessTokenVerifier
from gateway.idempotency import IdempotencyStore
from gateway.rate_limits import RateLimiter
from gateway.settings import GatewaySettings
from shared.call_context import CallContext

EXTENSION_KEY = "bureau"


class RpcCaller(Protocol):
    """What the gateway needs of gateway.rpc_client.RpcClient."""

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict | None = None,
        *,
        context: CallContext | None = None,
        timeout: float | None = None,
    ) -> Any: ...

    def call_json(
        self,
        service: str,
        method: str,
        kwargs: dict | None = None,
        *,
        context: CallContext | None = None,
        timeout: float | None = None,
    ) -> bytes: ...


@dataclass(frozen=True)
class Components:
    settings: GatewaySettings
    rpc: RpcCaller
    redis: Redis
    verifier: AccessTokenVerifier
    rate_limiter: RateLimiter
    idempotency: IdempotencyStore


def components() -> Components:
    """The running app's components (inside a request or app context)."""
    return current_app.extensions[EXTENSION_KEY]
