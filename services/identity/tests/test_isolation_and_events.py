"""Row-level security under identity's tables, and events written with their change."""

import uuid

import pytest
from sqlalchemy import text

from services.identity import use_cases
from services.identity.models import Membership
from services.identity.settings import IdentitySettings
from services.identity.tests.conftest import PASSWORD, context_of
from services.identity.tokens import Tokens
from shared.call_context import CallContext
from shared.db import tenant_transaction
from shared.errors import Conflict, Unprocessable


def _outbox(db):
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT event_type, tenant_id::text, envelope FROM outbox ORDER BY seq")
        ).all()


def test_raw_sql_through_the_app_role_sees_nothing_of_another_tenant(rpc, signup, identity_db):
    acme = signup("Acme", "owner@acme.test")
    signup("Globex", "boss@globex.test")
    with tenant_transaction(identity_db.sessions, context_of(acme)) as session:
        tenants = {
            table: session.execute(text(f"SELECT DISTINCT tenant_id::text FROM {table}"))
            .scalars().all()
            for table in ("memberships", "sessions")
        }
        everything = session.query(Membership).execution_options(all_tenants=True).all()
    assert tenants == {"memberships": [acme["tenant_id"]], "sessions": [acme["tenant_id"]]}
    assert [str(m.tenant_id) for m in everything] == [acme["tenant_id"]]


def test_without_a_scope_the_app_role_reads_no_tenant_rows(rpc, signup, identity_db):
    signup()
    with identity_db.engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("memberships", "sessions", "invitations")]
        users = conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert counts == [0, 0, 0]
    assert users == 1  # users are global: one person, many firms


def test_the_app_role_cannot_write_into_another_tenant(rpc, signup, identity_db):
    acme = signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    with identity_db.engine.connect() as conn, pytest.raises(Exception, match="row-level"):
        conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"),
                     {"t": acme["tenant_id"]})
        conn.execute(
            text("INSERT INTO memberships (tenant_id, user_id, role, version) "
                 "VALUES (:t, :u, 'owner', 1)"),
            {"t": globex["tenant_id"], "u": context_of(acme).user_id},
        )


def test_signup_records_tenant_created_and_member_joined_without_secrets(rpc, signup, identity_db):
    pair = signup("Acme", "owner@acme.test")
    events = _outbox(identity_db)
    assert [e[0] for e in events] == ["identity.tenant.created", "identity.member.joined"]
    assert {e[1] for e in events} == {pair["tenant_id"]}
    joined = events[1][2]["data"]
    assert joined == {"user_id": context_of(pair).user_id, "email": "owner@acme.test",
                      "name": "Olive", "role": "owner", "via": "signup"}
    flat = str(events)
    assert PASSWORD not in flat and "argon2" not in flat and pair["refresh_token"] not in flat


def test_each_membership_change_lands_in_the_outbox(rpc, signup, identity_db):
    owner = signup()
    admin = rpc.as_(owner)
    invitation = admin.create_invitation(email="mia@acme.test", role="member")
    mia = rpc.accept_invitation(token=invitation["token"], password=PASSWORD, name="Mia")
    admin.change_role(user_id=context_of(mia).user_id, role="viewer")
    admin.remove_member(user_id=context_of(mia).user_id)
    events = _outbox(identity_db)
    assert [e[0] for e in events][2:] == [
        "identity.invitation.created", "identity.member.joined",
        "identity.member.role_changed", "identity.member.removed",
    ]
    assert invitation["token"] not in str(events)
    assert events[4][2]["data"]["old_role"] == "member"
    assert events[4][2]["data"]["new_role"] == "viewer"


def test_a_failed_use_case_leaves_no_event(rpc, signup, identity_db):
    owner = signup()
    before = len(_outbox(identity_db))
    with pytest.raises(Conflict):
        signup("Another", "owner@acme.test")
    with pytest.raises(Unprocessable):
        rpc.as_(owner).change_role(user_id=context_of(owner).user_id, role="viewer")
    assert len(_outbox(identity_db)) == before


def test_an_event_recorded_before_a_failure_is_rolled_back_with_it(identity_db):
    """The use case writes tenant, user and events, then the flush of a duplicate fails."""
    tokens = Tokens(IdentitySettings.from_env())
    ctx = CallContext(request_id=str(uuid.uuid4()))
    with tenant_transaction(identity_db.sessions, ctx, tenant_id=None, user_id=None) as s:
        use_cases.signup(s, ctx, tokens, tenant_name="Acme", email="a@acme.test",
                         password=PASSWORD, name="Ann")
    with pytest.raises(Conflict):
        with tenant_transaction(identity_db.sessions, ctx, tenant_id=None, user_id=None) as s:
            use_cases.signup(s, ctx, tokens, tenant_name="Acme 2", email="b@acme.test",
                             password=PASSWORD, name="Bea")
            s.execute(text("INSERT INTO tenants (id, name, slug, version) "
                           "VALUES (:i, 'Clash', 'acme', 1)"), {"i": uuid.uuid4()})
    assert len(_outbox(identity_db)) == 2


def test_a_user_reads_but_cannot_delete_their_memberships_in_other_tenants(
    rpc, signup, identity_db
):
    acme = signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    token = rpc.as_(globex).create_invitation(email="owner@acme.test", role="member")["token"]
    rpc.accept_invitation(token=token, password=PASSWORD)
    ctx = context_of(acme)  # in Acme, as the user who is also a member of Globex
    with tenant_transaction(identity_db.sessions, ctx) as session:
        readable = session.execute(
            text("SELECT tenant_id::text FROM memberships WHERE user_id = :u"),
            {"u": ctx.user_id},
        ).scalars().all()
        deleted = session.execute(
            text("DELETE FROM memberships WHERE tenant_id = :t"), {"t": globex["tenant_id"]}
        ).rowcount
        updated = session.execute(
            text("UPDATE memberships SET role = 'owner' WHERE tenant_id = :t"),
            {"t": globex["tenant_id"]},
        ).rowcount
    assert sorted(readable) == sorted([acme["tenant_id"], globex["tenant_id"]])
    assert (deleted, updated) == (0, 0)
