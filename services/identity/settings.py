"""identity's own settings, read from the environment with local-development defaults.

| variable                     | default                    |
|------------------------------|----------------------------|
| BUREAU_JWT_ISSUER            | see shared/config.py (the gateway checks the same) |
| BUREAU_ACCESS_TOKEN_TTL      | 900 (seconds)              |
| BUREAU_KEY_OVERLAP           | 3600 (seconds a rotated-out key still verifies) |
| BUREAU_IDENTITY_KEY_SECRET   | unset: private keys stored unencrypted (local development only) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.identity.domain.access_tokens import AUDIENCE, TokenSettings
from services.identity.domain.refresh_tokens import TTL as REFRESH_TTL
from shared.config import env, env_int, settings


@dataclass(frozen=True)
class IdentitySettings:
    tokens: TokenSettings
    refresh_ttl: timedelta
    key_overlap: timedelta
    key_secret: str | None

    @classmethod
    def from_env(cls) -> IdentitySettings:
        ttl = timedelta(seconds=env_int("BUREAU_ACCESS_TOKEN_TTL", 900))
        overlap = timedelta(seconds=env_int("BUREAU_KEY_OVERLAP", 3600))
        return cls(
            tokens=TokenSettings(
                issuer=settings().jwt_issuer,
                audience=AUDIENCE,
                ttl=ttl,
            ),
            refresh_ttl=REFRESH_TTL,
            key_overlap=max(overlap, ttl + timedelta(minutes=2)),
            key_secret=env("BUREAU_IDENTITY_KEY_SECRET", "") or None,
        )
