"""Fixtures for identity's tests: its migrated database, a running container, RPC callers."""

from __future__ import annotations

import os

# The shared fixtures name test databases with BUREAU_TEST_DB_PREFIX; honour BUREAU_DB_PREFIX
# so parallel runs (BUREAU_DB_PREFIX=bureau_h4 ...) never share a database.
if "BUREAU_TEST_DB_PREFIX" not in os.environ and "BUREAU_DB_PREFIX" in os.environ:
    os.environ["BUREAU_TEST_DB_PREFIX"] = os.environ["BUREAU_DB_PREFIX"]

from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import jwt  # noqa: E402
import pytest  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

from services.identity.service import IdentityService  # noqa: E402
from shared.call_context import CallContext  # noqa: E402
from shared.testing import ServiceDatabase  # noqa: E402


@pytest.fixture
def identity_db(service_database: Callable[[str], ServiceDatabase]) -> ServiceDatabase:
    return service_database("identity")


@pytest.fixture
def identity(container_factory: Any, service_config: Any, identity_db: ServiceDatabase) -> Any:
    container = container_factory(IdentityService, service_config(identity_db))
    container.start()
    return container


def context_of(pair: dict[str, Any]) -> CallContext:
    """The call context the gateway would build from this pair's access token."""
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    return CallContext(
        tenant_id=claims["tid"], user_id=claims["sub"], roles=(claims["role"],),
        request_id="test-request",
    )


class Rpc:
    """Calls identity as someone: `rpc.login(...)` anonymously, `rpc.as_(pair).me()`."""

    def __init__(self, rabbit_config: dict[str, Any], ctx: CallContext | None = None) -> None:
        self._config = rabbit_config
        self._ctx = ctx or CallContext(request_id="test-request")
        self._proxies: list[ServiceRpcProxy] = []
        self._service: Any = None

    def as_(self, who: dict[str, Any] | CallContext) -> Rpc:
        ctx = who if isinstance(who, CallContext) else context_of(who)
        other = Rpc(self._config, ctx)
        other._proxies = self._proxies
        return other

    def __getattr__(self, method: str) -> Any:
        if self._service is None:
            proxy = ServiceRpcProxy(
                "identity", self._config, context_data=self._ctx.to_wire(), timeout=30
            )
            self._proxies.append(proxy)
            self._service = proxy.start()
        return getattr(self._service, method)

    def close(self) -> None:
        for proxy in self._proxies:
            proxy.stop()


@pytest.fixture
def rpc(identity: Any, rabbit_config: dict[str, Any]) -> Iterator[Rpc]:
    caller = Rpc(rabbit_config)
    yield caller
    caller.close()


PASSWORD = "correct horse battery"  # noqa: S105 (a test account)


@pytest.fixture
def signup(rpc: Rpc) -> Callable[..., dict[str, Any]]:
    """Sign up a firm: `signup("Acme", "ann@acme.test")` -> its owner's token pair."""

    def make(tenant_name: str = "Acme", email: str = "owner@acme.test", name: str = "Olive"):
        return rpc.signup(tenant_name=tenant_name, email=email, password=PASSWORD, name=name)

    return make
