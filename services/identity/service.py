"""The identity nameko service: entrypoints only (load input, run a use case, dump output).

The contract is docs/rpc/identity.md. Methods marked "-" there run with no tenant in
scope (the use case scopes itself once it knows the tenant); the others run in the
caller's tenant, so the ORM filter and row-level security both apply.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eventlet import tpool
from nameko.timer import timer
from sqlalchemy.orm import Session

from services.identity import schemas, use_cases
from services.identity.dependencies import TokenIssuer
from services.identity.domain import passwords
from services.identity.metrics import SESSION_REVOCATIONS, SIGN_INS
from services.identity.use_cases import Refused
from shared.errors import TooManyRequests
from shared.json_ready import json_answer
from shared.rpc import rpc
from shared.service_base import BureauService

passwords.run_hashing_with(tpool.execute)



def _settled(result: Any) -> Any:
    """Raise a refusal only after its transaction committed (throttle counters, revocations)."""
    if isinstance(result, Refused):
        raise result.error
    return result


class IdentityService(BureauService):
    name = "identity"

    tokens = TokenIssuer()

    @contextlib.contextmanager
    def _unscoped(self) -> Iterator[Session]:
        with self.db.transaction(tenant_id=None, user_id=None) as session:
            yield session

    @timer(interval=3600)
    def purge_stale_login_failures(self) -> None:
        with self._unscoped() as session:
            use_cases.purge_login_failures(session)

    @rpc
    def signup(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.SignupInput, payload)
        with self._unscoped() as session:
            pair = use_cases.signup(session, self.ctx, self.tokens, **args)
        return json_answer(pair)

    @rpc
    def login(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.LoginInput, payload)
        try:
            with self._unscoped() as session:
                result = use_cases.login(session, self.ctx, self.tokens, **args)
        except TooManyRequests:
            SIGN_INS.labels("throttled").inc()
            raise
        SIGN_INS.labels("refused" if isinstance(result, Refused) else "ok").inc()
        return json_answer(_settled(result))

    @rpc
    def refresh(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.RefreshInput, payload)
        with self._unscoped() as session:
            result = use_cases.refresh(session, self.ctx, self.tokens, **args)
        if isinstance(result, Refused):
            SESSION_REVOCATIONS.labels(result.reason).inc()
        return json_answer(_settled(result))

    @rpc
    def logout(self, **payload: Any) -> None:
        args = schemas.load(schemas.SessionInput, payload)
        with self.db.transaction() as session:
            use_cases.logout(session, self.ctx, **args)

    @rpc
    def switch_tenant(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.SwitchTenantInput, payload)
        with self.db.transaction() as session:
            pair = use_cases.switch_tenant(session, self.ctx, self.tokens, **args)
        return json_answer(pair)

    @rpc
    def me(self, **payload: Any) -> dict[str, Any]:
        schemas.load(schemas.EmptyInput, payload)
        with self.db.reading() as session:
            return json_answer(use_cases.me(session, self.ctx))

    @rpc
    def jwks(self, **payload: Any) -> dict[str, Any]:
        schemas.load(schemas.EmptyInput, payload)
        with self._unscoped() as session:
            return use_cases.jwks(session, self.ctx, self.tokens)

    @rpc
    def list_users(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.ListUsersInput, payload)
        with self.db.reading() as session:
            return json_answer(use_cases.list_users(session, self.ctx, **args))

    @rpc
    def get_user(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.UserIdInput, payload)
        with self.db.reading() as session:
            return json_answer(use_cases.get_user(session, self.ctx, **args))

    @rpc
    def change_role(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.ChangeRoleInput, payload)
        with self.db.transaction() as session:
            user = use_cases.change_role(session, self.ctx, **args)
        return json_answer(user)

    @rpc
    def remove_member(self, **payload: Any) -> None:
        args = schemas.load(schemas.UserIdInput, payload)
        with self.db.transaction() as session:
            use_cases.remove_member(session, self.ctx, **args)

    @rpc
    def create_invitation(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.CreateInvitationInput, payload)
        with self.db.transaction() as session:
            invitation = use_cases.create_invitation(session, self.ctx, **args)
        return json_answer(invitation)

    @rpc
    def list_invitations(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.ListInvitationsInput, payload)
        with self.db.reading() as session:
            page = use_cases.list_invitations(session, self.ctx, **args)
        return json_answer(page)

    @rpc
    def get_invitation(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.InvitationIdInput, payload)
        with self.db.reading() as session:
            return json_answer(use_cases.get_invitation(session, self.ctx, **args))

    @rpc
    def revoke_invitation(self, **payload: Any) -> None:
        args = schemas.load(schemas.InvitationIdInput, payload)
        with self.db.transaction() as session:
            use_cases.revoke_invitation(session, self.ctx, **args)

    @rpc
    def accept_invitation(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.AcceptInvitationInput, payload)
        with self._unscoped() as session:
            result = use_cases.accept_invitation(session, self.ctx, self.tokens, **args)
        return json_answer(_settled(result))

    @rpc
    def get_tenant(self, **payload: Any) -> dict[str, Any]:
        schemas.load(schemas.EmptyInput, payload)
        with self.db.reading() as session:
            return json_answer(use_cases.get_tenant(session, self.ctx))

    @rpc
    def update_tenant(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.UpdateTenantInput, payload)
        with self.db.transaction() as session:
            tenant = use_cases.update_tenant(session, self.ctx, **args)
        return json_answer(tenant)

    @rpc
    def tenant_figures(self, **payload: Any) -> dict[str, Any]:
        schemas.load(schemas.EmptyInput, payload)
        with self.db.reading() as session:
            return use_cases.tenant_figures(session, self.ctx)

    @rpc
    def impersonate(self, **payload: Any) -> dict[str, Any]:
        args = schemas.load(schemas.ImpersonateInput, payload)
        with self._unscoped() as session:
            result = use_cases.impersonate(session, self.ctx, self.tokens, **args)
        return json_answer(_settled(result))
