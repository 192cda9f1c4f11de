"""ES256 access tokens: what verifies and the classic attacks that must not."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.identity.domain.access_tokens import (
    Subject,
    TokenSettings,
    issue_access_token,
    verify_access_token,
)
from services.identity.domain.opaque_tokens import InvalidToken
from services.identity.domain.signing_keys import generate_key, load_private_key

SETTINGS = TokenSettings(issuer="https://id.example", ttl=timedelta(seconds=900))
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
SUBJECT = Subject(
    user_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="admin", session_id=uuid.uuid4()
)


@pytest.fixture(scope="module")
def key():
    return generate_key()


def _issue(key, subject=SUBJECT, settings=SETTINGS, now=NOW):
    return issue_access_token(subject, load_private_key(key.private_pem), key.kid, settings, now)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_fresh_token_verifies_with_every_claim(key):
    claims = verify_access_token(_issue(key), {key.kid: key.public_jwk}, SETTINGS, NOW)
    assert claims["sub"] == str(SUBJECT.user_id)
    assert claims["tid"] == str(SUBJECT.tenant_id)
    assert claims["sid"] == str(SUBJECT.session_id)
    assert claims["role"] == "admin"
    assert claims["aud"] == "bureau-api" and claims["iss"] == "https://id.example"
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(_issue(key))["kid"] == key.kid


def test_an_expired_token_is_refused(key):
    token = _issue(key, now=NOW - timedelta(hours=1))
    with pytest.raises(InvalidToken):
        verify_access_token(token, {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_an_expired_token_is_refused_against_the_real_clock(key):
    token = _issue(key, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(InvalidToken):
        verify_access_token(token, {key.kid: key.public_jwk}, SETTINGS)


def test_a_token_for_another_audience_is_refused(key):
    other = TokenSettings(issuer=SETTINGS.issuer, audience="someone-else")
    with pytest.raises(InvalidToken):
        verify_access_token(_issue(key, settings=other), {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_a_token_from_another_issuer_is_refused(key):
    other = TokenSettings(issuer="https://evil.example")
    with pytest.raises(InvalidToken):
        verify_access_token(_issue(key, settings=other), {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_an_unsigned_alg_none_token_is_refused(key):
    real = jwt.decode(_issue(key), options={"verify_signature": False})
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}).encode())
    token = f"{header}.{_b64(json.dumps(real).encode())}."
    with pytest.raises(InvalidToken):
        verify_access_token(token, {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_an_hs256_token_signed_with_the_public_key_is_refused(key):
    public_pem = (
        load_private_key(key.private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    real = jwt.decode(_issue(key), options={"verify_signature": False})
    signing_input = (
        _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
        + "."
        + _b64(json.dumps(real).encode())
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        verify_access_token(
            f"{signing_input}.{_b64(mac)}", {key.kid: key.public_jwk}, SETTINGS, NOW
        )


def test_a_token_signed_by_an_unknown_key_is_refused(key):
    stranger = generate_key()
    with pytest.raises(InvalidToken):
        verify_access_token(_issue(stranger), {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_a_token_whose_kid_names_a_known_key_but_another_signed_it_is_refused(key):
    stranger = generate_key()
    token = issue_access_token(
        SUBJECT, load_private_key(stranger.private_pem), key.kid, SETTINGS, NOW
    )
    with pytest.raises(InvalidToken):
        verify_access_token(token, {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_a_token_of_a_rotated_out_key_verifies_while_that_key_is_published(key):
    newer = generate_key()
    old_token = _issue(key)
    both = {key.kid: key.public_jwk, newer.kid: newer.public_jwk}
    assert verify_access_token(old_token, both, SETTINGS, NOW)["sub"] == str(SUBJECT.user_id)
    assert verify_access_token(_issue(newer), both, SETTINGS, NOW)["sub"] == str(SUBJECT.user_id)
    with pytest.raises(InvalidToken):
        verify_access_token(old_token, {newer.kid: newer.public_jwk}, SETTINGS, NOW)


def test_garbage_is_an_invalid_token(key):
    with pytest.raises(InvalidToken):
        verify_access_token("not.a.jwt", {key.kid: key.public_jwk}, SETTINGS, NOW)


def test_impersonation_is_named_in_the_token(key):
    imp = uuid.uuid4()
    subject = Subject(SUBJECT.user_id, SUBJECT.tenant_id, "viewer", SUBJECT.session_id, imp)
    claims = verify_access_token(_issue(key, subject), {key.kid: key.public_jwk}, SETTINGS, NOW)
    assert claims["imp"] == str(imp)
