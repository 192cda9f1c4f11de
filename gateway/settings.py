"""Gateway-only settings, read from the environment with documented defaults.

Process-wide settings (broker, Redis, RPC timeout) come from `shared.config`; these are the
knobs only the HTTP edge has. `create_app(config=...)` overrides any of them by field name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from shared.config import env, env_float, env_int, settings


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway reads from the environment.

    | variable                        | default                      |
    |---------------------------------|------------------------------|
    | BUREAU_JWT_ISSUER               | shared/config.py (same as identity) |
    | BUREAU_JWT_AUDIENCE             | bureau-api                   |
    | BUREAU_JWKS_REFETCH_SECONDS     | 30 (least gap between fetches on an unknown kid) |
    | BUREAU_CORS_ORIGINS             | empty (comma-separated allow-list) |
    | BUREAU_MAX_BODY_BYTES           | 1048576 (1 MiB)              |
    | BUREAU_RATE_LIMIT_USER          | 3000 requests per window per user |
    | BUREAU_RATE_LIMIT_ANON          | 3000 requests per window per client address |
    | BUREAU_RATE_LIMIT_WINDOW        | 60 (seconds)                 |
    | BUREAU_IDEMPOTENCY_TTL          | 86400 (seconds a key is remembered) |
    | BUREAU_IDEMPOTENCY_LOCK_SECONDS | 60 (how long an in-flight claim lives if its worker dies) |
    | BUREAU_PROXY_HOPS               | 0 (trusted X-Forwarded-For hops in front of us) |
    | BUREAU_AMQP_URI, BUREAU_REDIS_URL, BUREAU_RPC_TIMEOUT: see shared.config |
    """

    amqp_uri: str
    redis_url: str
    rpc_timeout: float
    jwt_issuer: str
    jwt_audience: str
    jwks_refetch_seconds: float
    cors_origins: tuple[str, ...]
    max_body_bytes: int
    rate_limit_user: int
    rate_limit_anon: int
    rate_limit_window: int
    idempotency_ttl: int
    idempotency_lock_seconds: int
    proxy_hops: int

    @classmethod
    def from_env(cls) -> GatewaySettings:
        base = settings()
        origins = env("BUREAU_CORS_ORIGINS", "")
        return cls(
            amqp_uri=base.amqp_uri,
            redis_url=base.redis_url,
            rpc_timeout=base.rpc_timeout,
            jwt_issuer=base.jwt_issuer,
            jwt_audience=env("BUREAU_JWT_AUDIENCE", "bureau-api"),
            jwks_refetch_seconds=env_float("BUREAU_JWKS_REFETCH_SECONDS", 30.0),
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            max_body_bytes=env_int("BUREAU_MAX_BODY_BYTES", 1024 * 1024),
            rate_limit_user=env_int("BUREAU_RATE_LIMIT_USER", 3000),
            rate_limit_anon=env_int("BUREAU_RATE_LIMIT_ANON", 3000),
            rate_limit_window=env_int("BUREAU_RATE_LIMIT_WINDOW", 60),
            idempotency_ttl=env_int("BUREAU_IDEMPOTENCY_TTL", 24 * 3600),
            idempotency_lock_seconds=env_int("BUREAU_IDEMPOTENCY_LOCK_SECONDS", 60),
            proxy_hops=env_int("BUREAU_PROXY_HOPS", 0),
        )

    def overridden(self, overrides: dict[str, Any] | None) -> GatewaySettings:
        """These settings with `overrides` (field name -> value) applied; unknown names fail."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown gateway settings: {sorted(unknown)}")
        return replace(self, **overrides)


def gateway_settings(overrides: dict[str, Any] | None = None) -> GatewaySettings:
    """Read the environment now, then apply `overrides` (tests use these)."""
    return GatewaySettings.from_env().overridden(overrides)
