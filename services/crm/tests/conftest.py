"""Fixtures for crm's tests: its migrated database, a running container, callers by role."""

from __future__ import annotations

import os

# The shared fixtures name test databases with BUREAU_TEST_DB_PREFIX; honour BUREAU_DB_PREFIX
# so parallel runs never share a database.
if "BUREAU_TEST_DB_PREFIX" not in os.environ and "BUREAU_DB_PREFIX" in os.environ:
    os.environ["BUREAU_TEST_DB_PREFIX"] = os.environ["BUREAU_DB_PREFIX"]

import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

from services.crm.service import CrmService  # noqa: E402
from services.crm.tests.crm_records import Records  # noqa: E402
from shared.call_context import CallContext  # noqa: E402
from shared.testing import ServiceDatabase  # noqa: E402


@pytest.fixture
def crm_db(service_database: Callable[[str], ServiceDatabase]) -> ServiceDatabase:
    return service_database("crm")


@pytest.fixture
def crm(container_factory: Any, service_config: Any, crm_db: ServiceDatabase) -> Any:
    container = container_factory(CrmService, service_config(crm_db))
    container.start()
    return container


@dataclass
class Firm:
    """A tenant as the tests see it: its id and a user per role (ids only: crm trusts the
    call context the gateway builds from identity's token)."""

    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    users: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> str:
        return self.users.setdefault(role, str(uuid.uuid4()))

    def context(self, role: str = "owner") -> CallContext:
        return CallContext(tenant_id=self.tenant_id, user_id=self.user(role), roles=(role,),
                           request_id="test-request")


class Rpc:
    """Calls crm as someone: `rpc.as_(firm, "member").create_client(...)`."""

    def __init__(self, rabbit_config: dict[str, Any]) -> None:
        self._config = rabbit_config
        self._proxies: dict[tuple[str, str], Any] = {}
        self._started: list[ServiceRpcProxy] = []

    def as_(self, firm: Firm, role: str = "owner") -> Any:
        return self.with_context(firm.context(role))

    def with_context(self, ctx: CallContext) -> Any:
        key = (ctx.tenant_id or "", f"{ctx.user_id}:{','.join(ctx.roles)}")
        if key not in self._proxies:
            proxy = ServiceRpcProxy("crm", self._config, context_data=ctx.to_wire(), timeout=30)
            self._started.append(proxy)
            self._proxies[key] = proxy.start()
        return self._proxies[key]

    def close(self) -> None:
        for proxy in self._started:
            proxy.stop()


@pytest.fixture
def rpc(crm: Any, rabbit_config: dict[str, Any]) -> Iterator[Rpc]:
    caller = Rpc(rabbit_config)
    yield caller
    caller.close()


@pytest.fixture
def firm() -> Firm:
    return Firm()


@pytest.fixture
def other_firm() -> Firm:
    return Firm()


@pytest.fixture
def records(crm_db: ServiceDatabase) -> Iterator[Records]:
    """Rows as the tests see them, read past the service (crm_records.Records)."""
    found = Records(crm_db)
    yield found
    found.close()
