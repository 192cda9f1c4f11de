"""ES256 signing keys: generation, public JWK with a thumbprint kid, sealing, rotation policy.

One key is `active` and signs. Rotation demotes it to `verifying`: it still verifies the
tokens it signed until the overlap window (at least one access-token lifetime) has passed,
then it is `retired` and leaves the JWKS. Private keys are stored sealed with Fernet under
BUREAU_IDENTITY_KEY_SECRET; without a secret (local development only) they are stored plain.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"


class KeyState(StrEnum):
    ACTIVE = "active"
    VERIFYING = "verifying"
    RETIRED = "retired"


@dataclass(frozen=True)
class GeneratedKey:
    kid: str
    private_pem: bytes
    public_jwk: dict[str, str]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The RFC 7517 JWK of a P-256 public key, its kid the RFC 7638 thumbprint."""
    numbers = public_key.public_numbers()
    jwk = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
    kid = _b64url(hashlib.sha256(canonical).digest())
    return {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}


def generate_key() -> GeneratedKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwk = public_jwk(private_key.public_key())
    return GeneratedKey(kid=jwk["kid"], private_pem=pem, public_jwk=jwk)


def load_private_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("not an EC private key")
    return key


_FERNET = "fernet:"
_PLAIN = "plain:"


def _fernet(secret: str) -> Fernet:
    """Any secret string becomes a Fernet key (SHA-256 of it), so operators need no format."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def seal_private_key(pem: bytes, secret: str | None) -> str:
    if not secret:
        return _PLAIN + pem.decode()
    return _FERNET + _fernet(secret).encrypt(pem).decode()


def open_private_key(sealed: str, secret: str | None) -> bytes:
    if sealed.startswith(_PLAIN):
        return sealed.removeprefix(_PLAIN).encode()
    if not secret:
        raise KeyError("a sealed signing key needs BUREAU_IDENTITY_KEY_SECRET")
    try:
        return _fernet(secret).decrypt(sealed.removeprefix(_FERNET).encode())
    except InvalidToken:
        raise KeyError("BUREAU_IDENTITY_KEY_SECRET does not open the signing key") from None


@dataclass(frozen=True)
class KeyRecord:
    """What the rotation policy needs to know about a stored key."""

    kid: str
    state: KeyState
    deactivated_at: datetime | None


def still_verifies(key: KeyRecord, now: datetime, overlap: timedelta) -> bool:
    """Whether tokens signed with `key` are still accepted (and it is published)."""
    if key.state is KeyState.ACTIVE:
        return True
    if key.state is KeyState.RETIRED or key.deactivated_at is None:
        return False
    return now < key.deactivated_at + overlap


def due_for_retirement(keys: list[KeyRecord], now: datetime, overlap: timedelta) -> list[str]:
    return [
        k.kid for k in keys if k.state is KeyState.VERIFYING and not still_verifies(k, now, overlap)
    ]


def jwks(keys: list[tuple[KeyRecord, dict[str, Any]]], now: datetime, overlap: timedelta) -> dict:
    """The JWKS document: every key whose signatures are still accepted."""
    return {"keys": [jwk for record, jwk in keys if still_verifies(record, now, overlap)]}
