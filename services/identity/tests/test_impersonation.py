"""Support staff acting as a user: a reason, a time box, both people on every token."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import jwt
import pytest
from sqlalchemy import text

from services.identity.support import set_support
from services.identity.tests.conftest import PASSWORD, context_of
from shared.db import tenant_transaction
from shared.errors import NotFound, PermissionDenied, Unauthenticated, ValidationFailed

REASON = "Ticket 4711: invoice totals look wrong"


@pytest.fixture
def staff(rpc, signup, identity_db):
    """A support person (their own firm aside)."""
    signup("Bureau Support", "help@bureau.test", "Sam")
    with tenant_transaction(identity_db.sessions, tenant_id=None, user_id=None) as session:
        assert set_support(session, "Help@Bureau.test", granted=True)
    return {"email": "help@bureau.test", "password": PASSWORD}


def test_the_operator_command_grants_and_revokes_support(rpc, signup, identity_db):
    signup("Bureau Support", "help@bureau.test", "Sam")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "services.identity.support", *args],
            capture_output=True, text=True, timeout=60, env=dict(os.environ),
        )

    def role():
        with identity_db.engine.connect() as conn:
            return conn.execute(text("SELECT platform_role FROM users")).scalar_one()

    assert run("grant", "Help@Bureau.test").returncode == 0
    assert role() == "support"
    assert run("revoke", "help@bureau.test").returncode == 0
    assert role() is None


def test_support_acts_as_a_user_for_a_limited_time_and_both_are_named(
    rpc, signup, staff, identity_db
):
    acme = signup("Acme", "owner@acme.test")
    pair = rpc.impersonate(**staff, tenant="acme", user_id=context_of(acme).user_id,
                           reason=REASON, minutes=20)
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert claims["sub"] == context_of(acme).user_id and claims["tid"] == acme["tenant_id"]
    assert claims["imp"] and claims["imp"] != claims["sub"]
    assert pair["expires_in"] <= 900
    refreshed = jwt.decode(rpc.refresh(refresh_token=pair["refresh_token"])["access_token"],
                           options={"verify_signature": False})
    assert refreshed["imp"] == claims["imp"]
    with identity_db.engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"),
                     {"t": acme["tenant_id"]})
        reason, minutes = conn.execute(text(
            "SELECT impersonation_reason, extract(epoch FROM expires_at - created_at) / 60 "
            "FROM sessions WHERE impersonator_id IS NOT NULL")).one()
        event = conn.execute(text(
            "SELECT envelope FROM outbox WHERE event_type = 'identity.impersonation.started'"
        )).scalar_one()
    assert reason == REASON and round(minutes) == 20
    assert event["data"]["support_user_id"] == claims["imp"]
    assert event["tenant_id"] == acme["tenant_id"]


def test_an_ordinary_user_cannot_impersonate(rpc, signup):
    acme = signup("Acme", "owner@acme.test")
    signup("Globex", "boss@globex.test")
    with pytest.raises(PermissionDenied):
        rpc.impersonate(email="boss@globex.test", password=PASSWORD, tenant="acme",
                        user_id=context_of(acme).user_id, reason=REASON)


def test_impersonation_needs_a_reason_and_the_staff_password(rpc, signup, staff):
    acme = signup("Acme", "owner@acme.test")
    with pytest.raises(ValidationFailed) as err:
        rpc.impersonate(**staff, tenant="acme", user_id=context_of(acme).user_id, reason="x")
    assert "reason" in err.value.errors
    with pytest.raises(Unauthenticated):
        rpc.impersonate(email=staff["email"], password="wrong password", tenant="acme",
                        user_id=context_of(acme).user_id, reason=REASON)


def test_a_user_outside_the_named_tenant_is_not_found(rpc, signup, staff):
    signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    with pytest.raises(NotFound):
        rpc.impersonate(**staff, tenant="acme", user_id=context_of(globex).user_id,
                        reason=REASON)


def test_an_access_token_never_outlives_the_time_box(rpc, signup, staff):
    acme = signup("Acme", "owner@acme.test")
    pair = rpc.impersonate(**staff, tenant=acme["tenant_id"],
                           user_id=context_of(acme).user_id, reason=REASON, minutes=5)
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert claims["exp"] - datetime.now(UTC).timestamp() <= 5 * 60 + 1


def test_an_impersonation_cannot_switch_to_another_tenant(rpc, signup, staff):
    acme = signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    token = rpc.as_(globex).create_invitation(email="owner@acme.test", role="member")["token"]
    rpc.accept_invitation(token=token, password=PASSWORD)
    pair = rpc.impersonate(**staff, tenant="acme", user_id=context_of(acme).user_id,
                           reason=REASON)
    sid = jwt.decode(pair["access_token"], options={"verify_signature": False})["sid"]
    with pytest.raises(PermissionDenied):
        rpc.as_(pair).switch_tenant(tenant="globex", session_id=sid)
