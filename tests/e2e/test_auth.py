"""Signing up, logging in, refreshing and logging out through the gateway, and every way a
forged or stale access token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.e2e.helpers import PASSWORD, assert_problem, signup


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict) -> str:
    return _b64(json.dumps(obj).encode())


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _header(token: str) -> dict:
    return jwt.get_unverified_header(token)


def test_signup_makes_the_user_owner_of_a_new_tenant(api):
    account = signup(api, tenant_name="Acme Advisors")
    me = api.get("/api/v1/me", headers=account.auth)
    assert me.status_code == 200
    body = me.json()
    assert body["role"] == "owner"
    assert body["user"]["email"] == account.email
    assert body["tenant"]["id"] == account.tenant_id
    assert body["tenant"]["name"] == "Acme Advisors"


def test_two_signups_make_two_separate_tenants(api):
    first, second = signup(api), signup(api)
    assert first.tenant_id != second.tenant_id
    assert api.get("/api/v1/me", headers=second.auth).json()["tenant"]["id"] == second.tenant_id


def test_signup_with_a_taken_email_is_409(api, owner):
    response = api.post("/api/v1/auth/signup", json={
        "tenant_name": "Other", "email": owner.email, "password": PASSWORD, "name": "X"})
    assert_problem(response, 409)


def test_login_returns_a_token_pair_for_the_users_tenant(api, owner):
    response = api.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 200
    pair = response.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] > 0
    assert pair["tenant_id"] == owner.tenant_id
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200


def test_login_with_a_wrong_password_is_401(api, owner):
    response = api.post("/api/v1/auth/login",
                        json={"email": owner.email, "password": "not the password"})
    assert_problem(response, 401)


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_session(api, owner):
    rotated = api.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert rotated.status_code == 200
    new_pair = rotated.json()
    assert new_pair["refresh_token"] != owner.refresh_token
    reused = api.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert_problem(reused, 401)
    after_reuse = api.post("/api/v1/auth/refresh",
                           json={"refresh_token": new_pair["refresh_token"]})
    assert_problem(after_reuse, 401)


def test_logout_revokes_the_session_so_its_refresh_token_stops_working(api, owner):
    assert api.post("/api/v1/auth/logout", headers=owner.auth).status_code == 204
    response = api.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert_problem(response, 401)


def test_the_published_keys_verify_the_issued_tokens(api, owner):
    jwks = api.get("/.well-known/jwks.json").json()
    config = api.get("/.well-known/openid-configuration").json()
    assert config["jwks_uri"].endswith("/.well-known/jwks.json")
    kid = _header(owner.access_token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(owner.access_token, jwt.PyJWK(jwk, algorithm="ES256").key,
                        algorithms=["ES256"], audience="bureau-api", issuer=config["issuer"])
    assert claims["tid"] == owner.tenant_id


def test_no_token_is_401_with_a_bearer_challenge(api):
    response = api.get("/api/v1/me")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_alg_none_is_401(api, owner):
    header = {"alg": "none", "typ": "JWT", "kid": _header(owner.access_token)["kid"]}
    forged = f"{_segment(header)}.{_segment(_claims(owner.access_token))}."
    assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_hs256_signed_with_the_public_key_is_401(api, owner):
    kid = _header(owner.access_token)["kid"]
    jwk = next(k for k in api.get("/.well-known/jwks.json").json()["keys"] if k["kid"] == kid)
    public_pem = jwt.PyJWK(jwk, algorithm="ES256").key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{_segment(header)}.{_segment(_claims(owner.access_token))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{_b64(signature)}"
    assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_a_token_with_altered_claims_is_401(api, owner):
    header, _, signature = owner.access_token.split(".")
    claims = {**_claims(owner.access_token), "role": "owner", "tid": "someone-else"}
    forged = f"{header}.{_segment(claims)}.{signature}"
    assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)


@pytest.mark.parametrize("change", [
    {"aud": "another-api"},
    {"exp": int(time.time()) - 3600},
    {"iss": "https://impostor.example"},
])
def test_tokens_signed_by_a_stranger_with_our_kid_are_401(api, owner, change):
    """Wrong audience, expired or foreign issuer, under a real kid but not our key."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    claims = {**_claims(owner.access_token), **change}
    token = jwt.encode(claims, stranger, algorithm="ES256",
                       headers={"kid": _header(owner.access_token)["kid"]})
    assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


@pytest.fixture
def our_signer(suite):
    """identity's own active signing key, read from its database as identity reads it:
    tokens signed with it differ from a real one only in the claims a test changes."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from services.identity.keys import KeyRing
    from services.identity.settings import IdentitySettings
    from shared.db import tenant_transaction

    engine = create_engine(suite.db_url("identity"), pool_size=1)
    try:
        with tenant_transaction(sessionmaker(engine), tenant_id=None, user_id=None) as session:
            yield KeyRing(IdentitySettings.from_env()).signer(session)
    finally:
        engine.dispose()


@pytest.mark.parametrize("change", [
    {"aud": "another-api"},
    {"exp": int(time.time()) - 3600},
    {"iss": "https://impostor.example"},
    {"tid": None},
])
def test_tokens_signed_with_our_own_key_but_a_wrong_claim_are_401(api, owner, our_signer,
                                                                   change):
    """The claim alone refuses them: the same key and claims otherwise are answered 200."""
    claims = {**_claims(owner.access_token), "exp": int(time.time()) + 300}

    def signed(claims: dict) -> str:
        return jwt.encode({k: v for k, v in claims.items() if v is not None},
                          our_signer.private_key, algorithm="ES256",
                          headers={"kid": our_signer.kid})

    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {signed(claims)}"})
    assert me.status_code == 200, me.text
    assert_problem(api.get("/api/v1/me", headers={
        "Authorization": f"Bearer {signed({**claims, **change})}"}), 401)


def test_an_unknown_kid_is_401(api, owner):
    stranger = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(owner.access_token), stranger, algorithm="ES256",
                       headers={"kid": "no-such-key"})
    assert_problem(api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_switch_tenant_needs_a_tenant_the_user_belongs_to(api, owner):
    other = signup(api)
    response = api.post("/api/v1/auth/switch-tenant", headers=owner.auth,
                        json={"tenant": other.tenant_id})
    assert response.status_code in (403, 404)
    assert response.headers["Content-Type"].startswith("application/problem+json")
