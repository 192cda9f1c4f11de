"""A tenant's members through the running service: roles, removal, lists, isolation."""

import pytest

from services.identity.tests.conftest import PASSWORD, context_of
from shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unauthenticated,
    Unprocessable,
    ValidationFailed,
)


def _join(rpc, owner, email, role, name=None):
    token = rpc.as_(owner).create_invitation(email=email, role=role)["token"]
    return rpc.accept_invitation(token=token, password=PASSWORD, name=name or email.split("@")[0])


@pytest.fixture
def firm(rpc, signup):
    """Acme: an owner, an admin, a member and a viewer."""
    owner = signup("Acme", "owner@acme.test", "Olive")
    return {
        "owner": owner,
        "admin": _join(rpc, owner, "adam@acme.test", "admin", "Adam"),
        "member": _join(rpc, owner, "mia@acme.test", "member", "Mia"),
        "viewer": _join(rpc, owner, "vic@acme.test", "viewer", "Vic"),
    }


def _uid(pair):
    return context_of(pair).user_id


def test_a_viewer_cannot_invite_or_change_roles(rpc, firm):
    viewer = rpc.as_(firm["viewer"])
    with pytest.raises(PermissionDenied):
        viewer.create_invitation(email="x@acme.test", role="viewer")
    with pytest.raises(PermissionDenied):
        viewer.change_role(user_id=_uid(firm["member"]), role="viewer")


def test_change_role_bumps_the_version_and_a_stale_version_is_412(rpc, firm):
    owner = rpc.as_(firm["owner"])
    mia = owner.get_user(user_id=_uid(firm["member"]))
    changed = owner.change_role(user_id=mia["id"], role="admin", expected_version=mia["version"])
    assert changed["role"] == "admin" and changed["version"] == mia["version"] + 1
    with pytest.raises(PreconditionFailed):
        owner.change_role(user_id=mia["id"], role="viewer", expected_version=mia["version"])
    assert owner.get_user(user_id=mia["id"])["role"] == "admin"


def test_the_last_owner_cannot_be_demoted_or_removed(rpc, firm):
    owner = rpc.as_(firm["owner"])
    with pytest.raises(Unprocessable):
        owner.change_role(user_id=_uid(firm["owner"]), role="admin")
    with pytest.raises(Unprocessable):
        owner.remove_member(user_id=_uid(firm["owner"]))
    owner.change_role(user_id=_uid(firm["admin"]), role="owner")
    owner.change_role(user_id=_uid(firm["owner"]), role="admin")
    assert owner.me()["role"] == "admin"


def test_an_admin_cannot_make_an_owner(rpc, firm):
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["admin"]).change_role(user_id=_uid(firm["member"]), role="owner")


def test_removing_a_member_ends_their_sessions_here(rpc, firm):
    rpc.as_(firm["admin"]).remove_member(user_id=_uid(firm["member"]))
    with pytest.raises(NotFound):
        rpc.as_(firm["owner"]).get_user(user_id=_uid(firm["member"]))
    with pytest.raises(Unauthenticated):
        rpc.refresh(refresh_token=firm["member"]["refresh_token"])
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["member"]).list_users()


def test_a_removed_member_is_refused_the_list_even_when_the_page_would_be_empty(rpc, firm):
    rpc.as_(firm["admin"]).remove_member(user_id=_uid(firm["member"]))
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["member"]).list_users(q="nobody-matches-this")
    assert rpc.as_(firm["viewer"]).list_users(q="nobody-matches-this")["data"] == []


def test_a_member_elsewhere_removed_here_is_refused_this_firms_list(rpc, firm, signup):
    """The caller's role rides in the page query: only this firm's membership counts."""
    globex = signup("Globex", "boss@globex.test")
    _join(rpc, globex, "mia@acme.test", "member")
    rpc.as_(firm["admin"]).remove_member(user_id=_uid(firm["member"]))
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["member"]).list_users()


def test_anyone_may_leave(rpc, firm):
    rpc.as_(firm["viewer"]).remove_member(user_id=_uid(firm["viewer"]))
    emails = [u["email"] for u in rpc.as_(firm["owner"]).list_users()["data"]]
    assert "vic@acme.test" not in emails


def test_list_users_pages_with_a_cursor_without_skipping_or_repeating(rpc, firm):
    owner = rpc.as_(firm["owner"])
    first = owner.list_users(limit=3, sort="email", include_total=True)
    assert first["page"]["has_more"] and first["page"]["total"] == 4
    second = owner.list_users(limit=3, sort="email", cursor=first["page"]["next_cursor"])
    assert not second["page"]["has_more"]
    emails = [u["email"] for u in first["data"] + second["data"]]
    assert emails == sorted(["owner@acme.test", "adam@acme.test", "mia@acme.test",
                             "vic@acme.test"])
    assert set(first["data"][0]) == {"id", "email", "name", "role", "joined_at", "created_at",
                                     "updated_at", "version"}


def test_list_users_filters_by_role_and_text_and_sorts_descending(rpc, firm):
    owner = rpc.as_(firm["owner"])
    assert [u["email"] for u in owner.list_users(role="viewer")["data"]] == ["vic@acme.test"]
    assert [u["name"] for u in owner.list_users(q="AD")["data"]] == ["Adam"]
    assert [u["name"] for u in owner.list_users(q="%")["data"]] == []
    names = [u["name"] for u in owner.list_users(sort="-name")["data"]]
    assert names == sorted(names, reverse=True)


def test_a_cursor_from_another_sort_is_refused(rpc, firm):
    owner = rpc.as_(firm["owner"])
    cursor = owner.list_users(limit=1, sort="email")["page"]["next_cursor"]
    with pytest.raises(ValidationFailed) as err:
        owner.list_users(limit=1, sort="name", cursor=cursor)
    assert "cursor" in err.value.errors
    with pytest.raises(ValidationFailed):
        owner.list_users(cursor="garbage!")


def test_another_tenants_user_is_not_found(rpc, firm, signup):
    globex = rpc.as_(signup("Globex", "boss@globex.test"))
    with pytest.raises(NotFound):
        globex.get_user(user_id=_uid(firm["member"]))
    with pytest.raises(NotFound):
        globex.change_role(user_id=_uid(firm["member"]), role="viewer")
    with pytest.raises(NotFound):
        globex.remove_member(user_id=_uid(firm["member"]))
    assert [u["email"] for u in globex.list_users()["data"]] == ["boss@globex.test"]


def test_tenant_rename_needs_a_manager_and_the_current_version(rpc, firm):
    tenant = rpc.as_(firm["member"]).get_tenant()
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["member"]).update_tenant(name="Hijacked")
    renamed = rpc.as_(firm["admin"]).update_tenant(name="  Acme Ltd ", expected_version=1)
    assert renamed["name"] == "Acme Ltd" and renamed["slug"] == tenant["slug"]
    with pytest.raises(PreconditionFailed):
        rpc.as_(firm["owner"]).update_tenant(name="Acme Again", expected_version=1)


def test_the_dashboard_figures_count_this_tenant_only(rpc, firm, signup):
    signup("Globex", "boss@globex.test")
    rpc.as_(firm["owner"]).create_invitation(email="pending@acme.test", role="viewer")
    figures = rpc.as_(firm["admin"]).tenant_figures()
    assert figures == {
        "members": {"owner": 1, "admin": 1, "member": 1, "viewer": 1},
        "pending_invitations": 1,
        "active_sessions": 4,
        "sign_ins_last_7_days": 4,
    }
    with pytest.raises(PermissionDenied):
        rpc.as_(firm["member"]).tenant_figures()


def test_a_member_of_two_firms_has_only_the_role_of_the_firm_in_scope(rpc, signup):
    """Users may read their memberships in every firm (login needs it): the tenant filter
    must still pick this firm's membership, for permissions and for the member list."""
    acme = signup("Acme", "owner@acme.test")
    globex = signup("Globex", "boss@globex.test")
    token = rpc.as_(globex).create_invitation(email="owner@acme.test", role="viewer")["token"]
    rpc.accept_invitation(token=token, password=PASSWORD)
    as_viewer = rpc.login(email="owner@acme.test", password=PASSWORD, tenant="globex")

    with pytest.raises(PermissionDenied):
        rpc.as_(as_viewer).create_invitation(email="new@globex.test", role="member")
    listed = rpc.as_(as_viewer).list_users(limit=100)["data"]
    assert sorted((u["email"], u["role"]) for u in listed) == [
        ("boss@globex.test", "owner"), ("owner@acme.test", "viewer")
    ]
    assert rpc.as_(acme).me()["role"] == "owner"
