"""Role rules: managers manage, only owners touch ownership, the last owner stays."""

import pytest

from services.identity.domain.roles import check_invite, check_removal, check_role_change
from shared.errors import PermissionDenied, Unprocessable


@pytest.mark.parametrize("actor", ["member", "viewer"])
def test_members_and_viewers_cannot_invite(actor):
    with pytest.raises(PermissionDenied):
        check_invite(actor, "viewer")


def test_an_admin_invites_anyone_but_an_owner():
    check_invite("admin", "admin")
    with pytest.raises(PermissionDenied):
        check_invite("admin", "owner")
    check_invite("owner", "owner")


def test_the_last_owner_can_never_be_demoted():
    with pytest.raises(Unprocessable):
        check_role_change("owner", "owner", "admin", owners=1)
    check_role_change("owner", "owner", "admin", owners=2)


def test_only_an_owner_grants_or_takes_ownership():
    with pytest.raises(PermissionDenied):
        check_role_change("admin", "member", "owner", owners=1)
    with pytest.raises(PermissionDenied):
        check_role_change("admin", "owner", "member", owners=2)
    check_role_change("admin", "member", "viewer", owners=1)


def test_a_member_cannot_change_roles():
    with pytest.raises(PermissionDenied):
        check_role_change("member", "viewer", "member", owners=1)


def test_anyone_may_leave_but_the_last_owner():
    check_removal("viewer", "viewer", owners=1, is_self=True)
    with pytest.raises(Unprocessable):
        check_removal("owner", "owner", owners=1, is_self=True)
    check_removal("owner", "owner", owners=2, is_self=True)


def test_removing_others_needs_a_manager_and_an_owner_for_owners():
    with pytest.raises(PermissionDenied):
        check_removal("member", "viewer", owners=1, is_self=False)
    with pytest.raises(PermissionDenied):
        check_removal("admin", "owner", owners=2, is_self=False)
    with pytest.raises(Unprocessable):
        check_removal("owner", "owner", owners=1, is_self=False)
    check_removal("admin", "member", owners=1, is_self=False)
