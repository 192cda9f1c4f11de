"""identity's use cases: one function per operation, `(session, ctx, ...) -> plain data`.

They take a SQLAlchemy session already inside a tenant-scoped transaction and raise the
typed errors of shared/errors.py; the nameko service only loads input and dumps output.
"""

from services.identity.use_cases.common import Refused
from services.identity.use_cases.figures import tenant_figures
from services.identity.use_cases.impersonation import impersonate
from services.identity.use_cases.invitations import (
    accept_invitation,
    create_invitation,
    get_invitation,
    list_invitations,
    revoke_invitation,
)
from services.identity.use_cases.maintenance import purge_login_failures
from services.identity.use_cases.members import change_role, get_user, list_users, remove_member
from services.identity.use_cases.profile import me
from services.identity.use_cases.sessions import jwks, logout, refresh
from services.identity.use_cases.sign_in import login, switch_tenant
from services.identity.use_cases.signup import signup
from services.identity.use_cases.tenants import get_tenant, update_tenant

__all__ = [
    "Refused",
    "accept_invitation",
    "change_role",
    "create_invitation",
    "get_invitation",
    "get_tenant",
    "get_user",
    "impersonate",
    "jwks",
    "list_invitations",
    "list_users",
    "login",
    "logout",
    "me",
    "purge_login_failures",
    "refresh",
    "remove_member",
    "revoke_invitation",
    "signup",
    "switch_tenant",
    "tenant_figures",
    "update_tenant",
]
