"""Invitations through the running service: create, accept, revoke, expire."""

import pytest
from sqlalchemy import create_engine, text

from services.identity.tests.conftest import PASSWORD, context_of
from shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unprocessable,
    ValidationFailed,
)


@pytest.fixture
def owner(rpc, signup):
    return signup("Acme", "owner@acme.test")


def test_an_invitation_shows_its_token_once(rpc, owner):
    admin = rpc.as_(owner)
    created = admin.create_invitation(email=" New@Acme.test ", role="member")
    assert created["token"] and created["status"] == "pending"
    assert created["email"] == "new@acme.test"
    assert created["invited_by"] == context_of(owner).user_id
    fetched = admin.get_invitation(invitation_id=created["id"])
    assert "token" not in fetched and fetched["status"] == "pending"


def test_a_new_user_accepts_with_a_password_and_a_name(rpc, owner):
    token = rpc.as_(owner).create_invitation(email="new@acme.test", role="member")["token"]
    with pytest.raises(ValidationFailed) as err:
        rpc.accept_invitation(token=token)
    assert set(err.value.errors) == {"password", "name"}
    pair = rpc.accept_invitation(token=token, password=PASSWORD, name="Nina")
    me = rpc.as_(pair).me()
    assert (me["user"]["name"], me["role"], me["tenant"]["id"]) == ("Nina", "member",
                                                                    owner["tenant_id"])
    with pytest.raises(Unprocessable):
        rpc.accept_invitation(token=token, password=PASSWORD, name="Nina")


def test_an_existing_user_must_prove_it_with_their_password(rpc, owner, signup):
    signup("Globex", "boss@globex.test")
    token = rpc.as_(owner).create_invitation(email="boss@globex.test", role="admin")["token"]
    with pytest.raises(ValidationFailed):
        rpc.accept_invitation(token=token)
    with pytest.raises(Unauthenticated):
        rpc.accept_invitation(token=token, password="not the password")
    pair = rpc.accept_invitation(token=token, password=PASSWORD)
    assert pair["tenant_id"] == owner["tenant_id"]
    assert rpc.as_(pair).me()["role"] == "admin"


def test_inviting_a_member_or_inviting_twice_is_a_conflict(rpc, owner):
    admin = rpc.as_(owner)
    with pytest.raises(Conflict):
        admin.create_invitation(email="owner@acme.test", role="member")
    admin.create_invitation(email="new@acme.test", role="member")
    with pytest.raises(Conflict):
        admin.create_invitation(email="new@acme.test", role="viewer")


def test_a_revoked_invitation_cannot_be_accepted_and_frees_the_email(rpc, owner):
    admin = rpc.as_(owner)
    created = admin.create_invitation(email="new@acme.test", role="member")
    admin.revoke_invitation(invitation_id=created["id"])
    admin.revoke_invitation(invitation_id=created["id"])  # idempotent
    with pytest.raises(Unprocessable):
        rpc.accept_invitation(token=created["token"], password=PASSWORD, name="Nina")
    assert admin.get_invitation(invitation_id=created["id"])["status"] == "revoked"
    assert admin.create_invitation(email="new@acme.test", role="member")["status"] == "pending"


def test_an_expired_invitation_cannot_be_accepted(rpc, owner, identity_db):
    created = rpc.as_(owner).create_invitation(email="new@acme.test", role="member")
    owner_engine = create_engine(identity_db.owner_url)
    with owner_engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                     {"t": owner["tenant_id"]})
        conn.execute(text("UPDATE invitations SET expires_at = now() - interval '1 second'"))
    owner_engine.dispose()
    with pytest.raises(Unprocessable):
        rpc.accept_invitation(token=created["token"], password=PASSWORD, name="Nina")
    admin = rpc.as_(owner)
    assert admin.get_invitation(invitation_id=created["id"])["status"] == "expired"
    assert [i["id"] for i in admin.list_invitations(status="expired")["data"]] == [created["id"]]
    assert admin.list_invitations(status="pending")["data"] == []
    assert admin.create_invitation(email="new@acme.test", role="member")["status"] == "pending"


def test_a_tampered_token_is_not_found(rpc, owner):
    token = rpc.as_(owner).create_invitation(email="new@acme.test", role="member")["token"]
    from services.identity.domain.invitations import parse_invitation_token
    from services.identity.domain.opaque_tokens import encode

    parsed = parse_invitation_token(token)
    forged = encode(str(parsed.tenant_id), str(parsed.invitation_id), "guessed-secret")
    with pytest.raises(NotFound):
        rpc.accept_invitation(token=forged, password=PASSWORD, name="Eve")


def test_another_tenants_invitation_is_not_found(rpc, owner, signup):
    created = rpc.as_(owner).create_invitation(email="new@acme.test", role="member")
    globex = rpc.as_(signup("Globex", "boss@globex.test"))
    with pytest.raises(NotFound):
        globex.get_invitation(invitation_id=created["id"])
    with pytest.raises(NotFound):
        globex.revoke_invitation(invitation_id=created["id"])
    assert globex.list_invitations()["data"] == []


def test_members_cannot_see_invitations(rpc, owner):
    token = rpc.as_(owner).create_invitation(email="mia@acme.test", role="member")["token"]
    mia = rpc.accept_invitation(token=token, password=PASSWORD, name="Mia")
    with pytest.raises(PermissionDenied):
        rpc.as_(mia).list_invitations()


def test_invitations_page_newest_first(rpc, owner):
    admin = rpc.as_(owner)
    ids = [admin.create_invitation(email=f"p{i}@acme.test", role="viewer")["id"]
           for i in range(3)]
    first = admin.list_invitations(limit=2, include_total=True)
    rest = admin.list_invitations(limit=2, cursor=first["page"]["next_cursor"])
    assert first["page"]["total"] == 3
    assert [i["id"] for i in first["data"] + rest["data"]] == ids[::-1]
