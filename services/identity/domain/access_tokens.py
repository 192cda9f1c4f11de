"""Access tokens: short-lived ES256 JWTs that name one user in one tenant.

Verification pins the algorithm to ES256 and picks the key by `kid` among the keys that
still verify, so neither `alg: none` nor an HMAC signed with the public key gets through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from services.identity.domain.opaque_tokens import InvalidToken
from services.identity.domain.signing_keys import ALGORITHM

AUDIENCE = "bureau-api"
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "nbf", "jti", "sub", "tid", "role", "sid"]
LEEWAY = timedelta(seconds=30)
"""Tolerated clock skew between the issuer and verifiers."""


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str = AUDIENCE
    ttl: timedelta = timedelta(seconds=900)


@dataclass(frozen=True)
class Subject:
    """Who the token speaks for."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    impersonator_id: uuid.UUID | None = None


def issue_access_token(
    subject: Subject,
    private_key: ec.EllipticCurvePrivateKey,
    kid: str,
    settings: TokenSettings,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + settings.ttl).timestamp()),
        "jti": str(uuid.uuid4()),
        "sub": str(subject.user_id),
        "tid": str(subject.tenant_id),
        "role": subject.role,
        "sid": str(subject.session_id),
    }
    if subject.impersonator_id is not None:
        claims["imp"] = str(subject.impersonator_id)
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def verify_access_token(
    token: str,
    public_keys: dict[str, Any],
    settings: TokenSettings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The claims of a valid token; `public_keys` maps kid -> JWK (dict) of verifying keys."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("Invalid token.") from None
    jwk = public_keys.get(header.get("kid") or "")
    if jwk is None or header.get("alg") != ALGORITHM:
        raise InvalidToken("Invalid token.")
    key = jwt.PyJWK.from_dict(jwk, algorithm=ALGORITHM)
    options: Any = {"require": REQUIRED_CLAIMS}
    if now is not None:
        options["verify_exp"] = False
        options["verify_nbf"] = False
        options["verify_iat"] = False
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[ALGORITHM],
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=LEEWAY,
            options=options,
        )
    except jwt.PyJWTError:
        raise InvalidToken("Invalid token.") from None
    if now is not None:
        moment = now.timestamp()
        slack = LEEWAY.total_seconds()
        if claims["exp"] <= moment - slack or claims["nbf"] > moment + slack:
            raise InvalidToken("Invalid token.")
    return claims
