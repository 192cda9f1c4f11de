"""Access-token verification: only ES256 tokens signed by a published key, for us, in time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.access_tokens import AccessTokenVerifier, JwksCache
from gateway.tests.conftest import AUDIENCE, ISSUER, SigningKey
from shared.errors import Unauthenticated


@pytest.fixture
def key() -> SigningKey:
    return SigningKey("k1")


@pytest.fixture
def fetches() -> list[int]:
    return []


@pytest.fixture
def verifier(key, fetches) -> AccessTokenVerifier:
    def fetch() -> dict:
        fetches.append(1)
        return {"keys": [key.jwk]}

    return AccessTokenVerifier(JwksCache(fetch), issuer=ISSUER, audience=AUDIENCE)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_valid_token_yields_its_claims(verifier, key):
    claims = verifier.verify(key.token(sub="u7", tid="t7", role="viewer", sid="s7", imp="u1"))
    assert (claims.user_id, claims.tenant_id, claims.role, claims.session_id) == (
        "u7", "t7", "viewer", "s7")
    assert claims.impersonator_id == "u1"


def test_alg_none_is_refused(verifier, key):
    payload = jwt.decode(key.token(), options={"verify_signature": False})
    forged = f"{_b64({'alg': 'none', 'kid': 'k1'})}.{_b64(payload)}."
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)


def test_hs256_signed_with_the_public_key_is_refused(verifier, key):
    public_pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    payload = jwt.decode(key.token(), options={"verify_signature": False})
    header = _b64({"alg": "HS256", "kid": "k1", "typ": "JWT"})
    body = _b64(payload)
    sig = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(sig).rstrip(b'=').decode()}"
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(verifier):
    impostor = SigningKey("k1")
    with pytest.raises(Unauthenticated):
        verifier.verify(impostor.token())


@pytest.mark.parametrize("claims", [
    {"aud": "someone-else"},
    {"iss": "http://evil.example"},
    {"exp": int(time.time()) - 120},
    {"sid": None},
    {"tid": None},
    {"role": None},
])
def test_wrong_audience_issuer_expiry_or_missing_claims_are_refused(verifier, key, claims):
    with pytest.raises(Unauthenticated):
        verifier.verify(key.token(**claims))


def test_garbage_is_refused(verifier):
    with pytest.raises(Unauthenticated):
        verifier.verify("not.a.token")


def test_unknown_kid_refetches_at_most_once_per_interval(key):
    fetches: list[float] = []
    now = [1000.0]

    def fetch() -> dict:
        fetches.append(now[0])
        return {"keys": [key.jwk]}

    cache = JwksCache(fetch, refetch_seconds=30, clock=lambda: now[0])
    verifier = AccessTokenVerifier(cache, issuer=ISSUER, audience=AUDIENCE)
    stranger = SigningKey("unknown-kid")
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            verifier.verify(stranger.token())
    assert len(fetches) == 1
    now[0] += 31
    with pytest.raises(Unauthenticated):
        verifier.verify(stranger.token())
    assert len(fetches) == 2


def test_a_rotated_in_key_is_found_by_refetching(key):
    new_key = SigningKey("k2")
    published = [key.jwk]
    now = [0.0]
    cache = JwksCache(lambda: {"keys": list(published)}, refetch_seconds=30,
                      clock=lambda: now[0])
    verifier = AccessTokenVerifier(cache, issuer=ISSUER, audience=AUDIENCE)
    assert verifier.verify(key.token()).user_id == "user-1"
    published.append(new_key.jwk)
    now[0] += 30
    assert verifier.verify(new_key.token(sub="u2")).user_id == "u2"


def test_requests_with_a_valid_token_carry_the_call_context(client, identity, auth):
    """Stand-in RPC: what is under test is the context the gateway builds from the token."""
    identity.answers["me"] = lambda _: {"ok": True}
    response = client.get("/api/v1/me", headers={**auth, "traceparent":
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    assert response.status_code == 200
    _, _, context = identity.calls[-1]
    assert (context.tenant_id, context.user_id, context.roles) == ("tenant-1", "user-1",
                                                                    ("owner",))
    assert context.request_id == response.headers["X-Request-ID"]
    assert context.traceparent.startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert "b7ad6b7169203331" not in context.traceparent


def test_an_expired_token_is_answered_401(client, signing_key):
    token = signing_key.token(exp=int(time.time()) - 120)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_remembered_token_still_expires(key):
    """Verified tokens are remembered to save the signature check, never past their exp."""
    now = [time.time()]
    verifier = AccessTokenVerifier(
        JwksCache(lambda: {"keys": [key.jwk]}), issuer=ISSUER, audience=AUDIENCE,
        clock=lambda: now[0],
    )
    token = key.token(exp=int(now[0]) + 60)
    assert verifier.verify(token).user_id == "user-1"
    assert verifier.verify(token).user_id == "user-1"  # from memory
    now[0] += 60 + 31  # past exp and the 30 s leeway
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)


def test_a_tampered_copy_of_a_remembered_token_is_refused(verifier, key):
    token = key.token(role="viewer")
    assert verifier.verify(token).role == "viewer"
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = ".".join([header, _b64({**claims, "role": "owner"}), signature])
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)
