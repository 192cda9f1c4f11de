"""Signing up, in and out through the running service."""

import jwt
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import text

from services.identity.tests.conftest import PASSWORD, context_of
from shared.errors import Conflict, NotFound, TooManyRequests, Unauthenticated, ValidationFailed


def _claims(pair):
    return jwt.decode(pair["access_token"], options={"verify_signature": False})


def test_signup_makes_a_tenant_with_its_owner_signed_in(rpc, signup):
    pair = signup("Acme Consulting", "Ann@Acme.test", "Ann")
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    me = rpc.as_(pair).me()
    assert me["user"]["email"] == "ann@acme.test"
    assert me["role"] == "owner"
    assert me["tenant"]["slug"] == "acme-consulting"
    assert me["tenant"]["id"] == pair["tenant_id"] == _claims(pair)["tid"]
    assert me["user"]["created_at"].endswith("Z")


def test_signup_with_a_taken_email_is_a_conflict_whatever_its_case(rpc, signup):
    signup(email="ann@acme.test")
    with pytest.raises(Conflict):
        signup("Other", "ANN@acme.test")


def test_two_firms_with_one_name_get_distinct_slugs(rpc, signup):
    a = rpc.as_(signup("Acme", "a@acme.test")).get_tenant()
    b = rpc.as_(signup("Acme", "b@acme.test")).get_tenant()
    assert (a["slug"], b["slug"]) == ("acme", "acme-2")


def test_signup_validates_every_field(rpc):
    with pytest.raises(ValidationFailed) as err:
        rpc.signup(tenant_name="  ", email="not-an-email", password="short", name="x" * 300)
    assert set(err.value.errors) == {"tenant_name", "email", "password", "name"}


def test_unknown_fields_are_refused(rpc):
    with pytest.raises(ValidationFailed) as err:
        rpc.login(email="a@b.test", password="whatever12", tenant_id="x")
    assert "tenant_id" in err.value.errors


def test_login_with_the_right_password_gives_a_pair_for_the_users_tenant(rpc, signup):
    first = signup()
    pair = rpc.login(email="OWNER@acme.test", password=PASSWORD)
    assert pair["tenant_id"] == first["tenant_id"]
    assert _claims(pair)["sid"] != _claims(first)["sid"]


def test_a_wrong_password_and_an_unknown_email_are_the_same_401(rpc, signup):
    signup()
    with pytest.raises(Unauthenticated) as wrong:
        rpc.login(email="owner@acme.test", password="wrong password")
    with pytest.raises(Unauthenticated) as unknown:
        rpc.login(email="nobody@acme.test", password="wrong password")
    assert str(wrong.value) == str(unknown.value)


def test_five_failures_throttle_the_account_even_for_the_right_password(rpc, signup):
    signup()
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            rpc.login(email="owner@acme.test", password="wrong password", client_ip="10.0.0.1")
    with pytest.raises(TooManyRequests) as err:
        rpc.login(email="owner@acme.test", password=PASSWORD, client_ip="10.0.0.2")
    assert 0 < err.value.retry_after <= 15 * 60


def test_twenty_failures_from_one_address_throttle_that_address(rpc, signup):
    signup()
    for i in range(20):
        with pytest.raises(Unauthenticated):
            rpc.login(email=f"guess{i}@acme.test", password="wrong password", client_ip="10.9.9.9")
    with pytest.raises(TooManyRequests):
        rpc.login(email="owner@acme.test", password=PASSWORD, client_ip="10.9.9.9")
    assert rpc.login(email="owner@acme.test", password=PASSWORD, client_ip="10.1.1.1")


def test_a_user_of_several_tenants_must_choose_one(rpc, signup):
    owner = signup("Acme", "owner@acme.test")
    other = signup("Globex", "boss@globex.test")
    invitation = rpc.as_(other).create_invitation(email="owner@acme.test", role="member")
    rpc.accept_invitation(token=invitation["token"], password=PASSWORD)
    with pytest.raises(ValidationFailed) as err:
        rpc.login(email="owner@acme.test", password=PASSWORD)
    assert "tenant" in err.value.errors
    by_slug = rpc.login(email="owner@acme.test", password=PASSWORD, tenant="globex")
    by_id = rpc.login(email="owner@acme.test", password=PASSWORD, tenant=owner["tenant_id"])
    assert by_slug["tenant_id"] == other["tenant_id"]
    assert by_id["tenant_id"] == owner["tenant_id"]
    assert _claims(by_slug)["role"] == "member"


def test_refresh_rotates_and_the_old_token_stops_working(rpc, signup):
    pair = signup()
    fresh = rpc.refresh(refresh_token=pair["refresh_token"])
    assert fresh["refresh_token"] != pair["refresh_token"]
    assert _claims(fresh)["sid"] == _claims(pair)["sid"]
    newer = rpc.refresh(refresh_token=fresh["refresh_token"])
    assert newer["tenant_id"] == pair["tenant_id"]


def test_a_reused_refresh_token_revokes_the_whole_session(rpc, signup, identity_db):
    pair = signup()
    fresh = rpc.refresh(refresh_token=pair["refresh_token"])
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token=pair["refresh_token"])  # the thief, or the victim late
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token=fresh["refresh_token"])  # the family is gone
    with identity_db.engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"),
                     {"t": pair["tenant_id"]})
        reason = conn.execute(text("SELECT revoked_reason FROM sessions")).scalar_one()
    assert reason == "refresh_token_reuse"


def test_a_garbage_refresh_token_is_401(rpc):
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token="bm90LWEtdG9rZW4")


def test_logout_ends_the_session(rpc, signup):
    pair = signup()
    me = rpc.as_(pair)
    assert me.logout(session_id=_claims(pair)["sid"]) is None
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token=pair["refresh_token"])
    assert me.logout(session_id=_claims(pair)["sid"]) is None  # idempotent


def test_logging_out_someone_elses_session_is_not_found(rpc, signup):
    pair = signup()
    other = rpc.login(email="owner@acme.test", password=PASSWORD)
    intruder = signup("Globex", "boss@globex.test")
    with pytest.raises(NotFound):
        rpc.as_(intruder).logout(session_id=_claims(pair)["sid"])
    assert rpc.refresh(refresh_token=pair["refresh_token"])
    assert other


def test_switch_tenant_opens_a_session_in_another_tenant_of_the_user(rpc, signup):
    acme = signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    token = rpc.as_(globex).create_invitation(email="owner@acme.test", role="viewer")["token"]
    rpc.accept_invitation(token=token, password=PASSWORD)
    switched = rpc.as_(acme).switch_tenant(tenant="globex", session_id=_claims(acme)["sid"])
    assert switched["tenant_id"] == globex["tenant_id"]
    assert rpc.as_(switched).me()["role"] == "viewer"
    with pytest.raises(NotFound):
        rpc.as_(globex).switch_tenant(tenant="acme", session_id=_claims(globex)["sid"])


def test_me_needs_a_tenant_member(rpc):
    with pytest.raises(Unauthenticated):
        rpc.me()


def test_jwks_publishes_the_key_that_signs_access_tokens(rpc, signup):
    pair = signup()
    keys = rpc.jwks()["keys"]
    kid = jwt.get_unverified_header(pair["access_token"])["kid"]
    assert kid in [k["kid"] for k in keys]
    assert all("d" not in k for k in keys)
    key = jwt.PyJWK.from_dict(next(k for k in keys if k["kid"] == kid))
    claims = jwt.decode(pair["access_token"], key, algorithms=["ES256"],
                        audience="bureau-api", issuer="http://127.0.0.1:8000")
    assert claims["sub"] == context_of(pair).user_id


def test_an_unexpected_argument_type_is_a_validation_error_not_a_crash(rpc):
    with pytest.raises(ValidationFailed):
        rpc.refresh(refresh_token=12)
    with pytest.raises((ValidationFailed, RemoteError)):
        rpc.list_users(limit="many")


def test_sign_in_outcomes_and_reuse_revocations_are_counted(rpc, signup):
    from prometheus_client import REGISTRY

    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (
        sample("bureau_identity_sign_ins_total", outcome="ok"),
        sample("bureau_identity_sign_ins_total", outcome="refused"),
        sample("bureau_identity_session_revocations_total", reason="refresh_token_reuse"),
    )
    pair = signup()
    rpc.login(email="owner@acme.test", password=PASSWORD)
    with pytest.raises(Unauthenticated):
        rpc.login(email="owner@acme.test", password="wrong password")
    rpc.refresh(refresh_token=pair["refresh_token"])
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token=pair["refresh_token"])
    after = (
        sample("bureau_identity_sign_ins_total", outcome="ok"),
        sample("bureau_identity_sign_ins_total", outcome="refused"),
        sample("bureau_identity_session_revocations_total", reason="refresh_token_reuse"),
    )
    assert [a - b for a, b in zip(after, before)] == [1.0, 1.0, 1.0]
