"""Verification of identity's access tokens (ES256 JWTs) against its published JWKS.

The algorithm is pinned, so `alg: none` and HS256-signed-with-the-public-key are refused
before any key is looked at. Keys are cached per process; an unknown `kid` triggers at most
one refetch per `refetch_seconds`, so forged kids cannot make us hammer identity.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from shared.errors import Unauthenticated

ALGORITHM = "ES256"
REQUIRED_CLAIMS = ("iss", "aud", "exp", "sub", "tid", "role", "sid")
LEEWAY_SECONDS = 30
"""Tolerated clock skew between identity and us (identity uses the same)."""


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    user_id: str
    tenant_id: str
    role: str
    session_id: str
    impersonator_id: str | None = None


class JwksCache:
    """The signing keys by kid, fetched lazily and refetched on an unknown kid, rate-limited."""

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        *,
        refetch_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._refetch_seconds = refetch_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    def key_for(self, kid: str) -> jwt.PyJWK | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            if kid not in self._keys and self._may_refetch():
                self._refetch()
            return self._keys.get(kid)

    def _may_refetch(self) -> bool:
        return (
            self._fetched_at is None or self._clock() - self._fetched_at >= self._refetch_seconds
        )

    def _refetch(self) -> None:
        document = self._fetch()
        self._fetched_at = self._clock()
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in document.get("keys", []):
            kid = jwk.get("kid")
            if not kid or jwk.get("kty") != "EC":
                continue
            try:
                keys[kid] = jwt.PyJWK(jwk, algorithm=ALGORITHM)
            except jwt.PyJWTError:
                continue
        self._keys = keys


VERIFIED_CACHE_SIZE = 10_000


class AccessTokenVerifier:
    """Turns a bearer token into AccessClaims, or raises Unauthenticated.

    A client sends the same token for up to its lifetime, and an ES256 verification costs
    ~0.27 ms of CPU: tokens that verified are remembered, by their whole text (signature
    included), until they expire; expiry is checked on every use.
    """

    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._verified: dict[str, tuple[AccessClaims, float]] = {}
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> AccessClaims:
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, expires_at = remembered
            if self._clock() < expires_at:
                return claims
            with self._verified_lock:
                self._verified.pop(token, None)
            raise Unauthenticated("The access token has expired.")
        claims, expires_at = self._verify_signature(token)
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()  # bounded memory; the next uses verify again
            self._verified[token] = (claims, expires_at)
        return claims

    def _verify_signature(self, token: str) -> tuple[AccessClaims, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The access token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("The access token is not signed with the expected algorithm.")
        kid = header.get("kid")
        key = self._keys.key_for(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise Unauthenticated("The access token is signed with an unknown key.")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": list(REQUIRED_CLAIMS)},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The access token is invalid.") from exc
        return _claims_from(claims), float(claims["exp"]) + LEEWAY_SECONDS


def _claims_from(claims: dict[str, Any]) -> AccessClaims:
    user_id, tenant_id, role, session_id = (claims.get(n) for n in ("sub", "tid", "role", "sid"))
    imp = claims.get("imp")
    if not (
        isinstance(user_id, str) and user_id
        and isinstance(tenant_id, str) and tenant_id
        and isinstance(role, str) and role
        and isinstance(session_id, str) and session_id
        and isinstance(imp, str | None)
    ):
        raise Unauthenticated("The access token's claims are malformed.")
    return AccessClaims(user_id, tenant_id, role, session_id, imp or None)
