import pytest

from services.crm.domain.permissions import Action, may, require
from shared.call_context import CallContext
from shared.errors import PermissionDenied, Unauthenticated


@pytest.mark.parametrize(
    ("role", "read", "write", "manage"),
    [("owner", True, True, True), ("admin", True, True, True),
     ("member", True, True, False), ("viewer", True, False, False),
     ("support", False, False, False)],
)
def test_each_role_gets_exactly_its_actions(role, read, write, manage):
    assert (may((role,), Action.READ), may((role,), Action.WRITE),
            may((role,), Action.MANAGE)) == (read, write, manage)


def test_require_refuses_anonymous_callers_and_missing_roles():
    with pytest.raises(Unauthenticated):
        require(CallContext(), Action.READ)
    viewer = CallContext(tenant_id="t", user_id="u", roles=("viewer",))
    require(viewer, Action.READ)
    with pytest.raises(PermissionDenied):
        require(viewer, Action.WRITE)
