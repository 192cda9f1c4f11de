"""Signing keys in the database: lazy creation, rotation with overlap, sealed storage."""

from datetime import timedelta

import jwt
from sqlalchemy import select, text

from services.identity.domain.access_tokens import verify_access_token
from services.identity.keys import KeyRing, rotate_signing_key
from services.identity.models import SigningKey
from services.identity.settings import IdentitySettings
from shared.db import tenant_transaction, utcnow


def _jwks(db, settings):
    with tenant_transaction(db.sessions, tenant_id=None, user_id=None) as s:
        return {k["kid"]: k for k in KeyRing(settings).jwks(s)["keys"]}


def test_a_rotated_out_key_still_verifies_during_the_overlap_then_retires(
    rpc, signup, identity_db
):
    settings = IdentitySettings.from_env()
    old_pair = signup()
    old_kid = jwt.get_unverified_header(old_pair["access_token"])["kid"]
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        new_kid = rotate_signing_key(s, settings)
    keys = _jwks(identity_db, settings)
    assert set(keys) == {old_kid, new_kid}
    claims = verify_access_token(old_pair["access_token"], keys, settings.tokens)
    assert claims["tid"] == old_pair["tenant_id"]
    later = utcnow() + settings.key_overlap + timedelta(seconds=1)
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        newest = rotate_signing_key(s, settings, now=later)
        states = {k: v for k, v in s.execute(select(SigningKey.kid, SigningKey.state))}
    assert states == {old_kid: "retired", new_kid: "verifying", newest: "active"}


def test_private_keys_are_sealed_when_a_secret_is_set(identity_db, monkeypatch):
    monkeypatch.setenv("BUREAU_IDENTITY_KEY_SECRET", "a test secret")
    settings = IdentitySettings.from_env()
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        rotate_signing_key(s, settings)
        KeyRing(settings).signer(s)
    with identity_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT private_key FROM signing_keys")).scalar_one()
    assert stored.startswith("fernet:") and "PRIVATE KEY" not in stored


def test_the_first_use_creates_one_active_key(identity_db):
    settings = IdentitySettings.from_env()
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        first = KeyRing(settings).signer(s)
        second = KeyRing(settings).signer(s)
        count = s.execute(text("SELECT count(*) FROM signing_keys")).scalar_one()
    assert first.kid == second.kid and count == 1


def test_the_rotate_command_makes_a_new_active_key(identity_db):
    import os
    import subprocess
    import sys

    settings = IdentitySettings.from_env()
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        before = KeyRing(settings).signer(s).kid
    done = subprocess.run(
        [sys.executable, "-m", "services.identity.keys", "rotate"],
        capture_output=True, text=True, timeout=60, env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        states = {k: v for k, v in s.execute(select(SigningKey.kid, SigningKey.state))}
    assert states[before] == "verifying"
    assert [k for k, v in states.items() if v == "active"] == [done.stdout.split()[-1]]


def test_a_key_created_in_a_rolled_back_transaction_is_never_used_again(identity_db):
    settings = IdentitySettings.from_env()
    ring = KeyRing(settings)
    try:
        with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
            lost = ring.signer(s).kid
            raise RuntimeError("the use case failed after issuing a token")
    except RuntimeError:
        pass
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as s:
        kept = ring.signer(s).kid
        published = [k["kid"] for k in ring.jwks(s)["keys"]]
    assert kept != lost and published == [kept]
