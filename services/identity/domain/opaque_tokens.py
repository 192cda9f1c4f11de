"""Opaque bearer tokens that say where they are stored but not what unlocks them.

A token is base64url("<tenant_id>.<object_id>[.<extra>...].<secret>"): the service finds
the row inside the right tenant without searching all tenants, and keeps only a SHA-256
of the secret (a random 256-bit secret needs no slow hash), compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid

from shared.errors import Unauthenticated

InvalidToken = Unauthenticated
"""A token that is malformed, unknown, expired or revoked (the caller learns no more).
An alias, not a subclass: only the classes of shared/errors.py survive the RPC wire."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def encode(*parts: str) -> str:
    raw = ".".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, parts: int) -> list[str]:
    """Split a token into exactly `parts` non-empty parts, or raise InvalidToken."""
    if not isinstance(token, str) or not 0 < len(token) <= 512:
        raise InvalidToken("Invalid token.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidToken("Invalid token.") from None
    pieces = raw.split(".")
    if len(pieces) != parts or not all(pieces):
        raise InvalidToken("Invalid token.")
    return pieces


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidToken("Invalid token.") from None
