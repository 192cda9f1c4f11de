"""Signing keys: thumbprint kids, sealed storage and the rotation overlap."""

from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.signing_keys import (
    KeyRecord,
    KeyState,
    due_for_retirement,
    generate_key,
    jwks,
    open_private_key,
    seal_private_key,
    still_verifies,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
OVERLAP = timedelta(hours=1)


def test_a_public_jwk_has_a_stable_thumbprint_kid_and_no_private_part():
    key = generate_key()
    assert key.public_jwk["kid"] == key.kid
    assert key.public_jwk["alg"] == "ES256" and key.public_jwk["crv"] == "P-256"
    assert "d" not in key.public_jwk
    assert generate_key().kid != key.kid


def test_a_sealed_key_opens_only_with_its_secret():
    key = generate_key()
    sealed = seal_private_key(key.private_pem, "s3cret")
    assert b"PRIVATE KEY" not in sealed.encode()
    assert open_private_key(sealed, "s3cret") == key.private_pem
    with pytest.raises(KeyError):
        open_private_key(sealed, "other")
    with pytest.raises(KeyError):
        open_private_key(sealed, None)


def test_without_a_secret_keys_are_stored_plain_for_local_development():
    key = generate_key()
    sealed = seal_private_key(key.private_pem, None)
    assert sealed.startswith("plain:")
    assert open_private_key(sealed, "any") == key.private_pem


def test_a_rotated_out_key_verifies_during_the_overlap_then_retires():
    old = KeyRecord("old", KeyState.VERIFYING, deactivated_at=NOW)
    assert still_verifies(old, NOW + OVERLAP - timedelta(seconds=1), OVERLAP)
    assert not still_verifies(old, NOW + OVERLAP, OVERLAP)
    assert due_for_retirement([old], NOW + timedelta(minutes=5), OVERLAP) == []
    assert due_for_retirement([old], NOW + OVERLAP, OVERLAP) == ["old"]


def test_the_jwks_holds_active_and_overlapping_keys_only():
    records = [
        (KeyRecord("a", KeyState.ACTIVE, None), {"kid": "a"}),
        (KeyRecord("v", KeyState.VERIFYING, NOW - timedelta(minutes=10)), {"kid": "v"}),
        (KeyRecord("late", KeyState.VERIFYING, NOW - timedelta(hours=2)), {"kid": "late"}),
        (KeyRecord("r", KeyState.RETIRED, NOW - timedelta(days=1)), {"kid": "r"}),
    ]
    assert [k["kid"] for k in jwks(records, NOW, OVERLAP)["keys"]] == ["a", "v"]
