"""Who is calling and on whose behalf: carried on every RPC and event.

The gateway builds it from the verified token; nameko carries it in message headers
(`nameko.<key>`); services read it through `shared.call_context_provider`. Plain Python,
so use cases take it as an argument and are tested without a broker.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

KEYS = ("tenant_id", "user_id", "roles", "impersonator_id", "request_id", "traceparent")


@dataclass(frozen=True)
class CallContext:
    tenant_id: str | None = None
    user_id: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    impersonator_id: str | None = None
    request_id: str | None = None
    traceparent: str | None = None

    def to_wire(self) -> dict[str, str]:
        """Header values (AMQP tables want plain strings); absent values are left out."""
        data: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "user_id": self.user_id,
            "roles": ",".join(self.roles) if self.roles else None,
            "impersonator_id": self.impersonator_id,
            "request_id": self.request_id,
            "traceparent": self.traceparent,
        }
        return {k: str(v) for k, v in data.items() if v}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> CallContext:
        roles = data.get("roles") or ""
        if isinstance(roles, str):
            roles_t = tuple(r for r in roles.split(",") if r)
        else:
            roles_t = tuple(str(r) for r in roles)
        return cls(
            tenant_id=_opt(data.get("tenant_id")),
            user_id=_opt(data.get("user_id")),
            roles=roles_t,
            impersonator_id=_opt(data.get("impersonator_id")),
            request_id=_opt(data.get("request_id")),
            traceparent=_opt(data.get("traceparent")),
        )

    def with_tenant(self, tenant_id: str | None) -> CallContext:
        return replace(self, tenant_id=tenant_id)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def correlation_id(self) -> str:
        return self.request_id or str(uuid.uuid4())


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


current: contextvars.ContextVar[CallContext] = contextvars.ContextVar(
    "bureau_call_context", default=CallContext()  # noqa: B039 (frozen, immutable)
)
"""The context of the worker running now, for logs and metrics (greenlets have their own)."""
