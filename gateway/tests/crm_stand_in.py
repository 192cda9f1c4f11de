"""crm's stand-in for gateway tests: identity's stand-in that also answers crm (the
`crm` and `crm_client` fixtures of conftest.py use it)."""

from __future__ import annotations

from typing import Any

from gateway.tests.conftest import IdentityStandIn


class CrmStandIn(IdentityStandIn):
    """Identity's stand-in that also answers crm, recording what it was asked."""

    def call(self, service: str, method: str, kwargs: dict | None = None, **options: Any
             ) -> Any:
        if service == "identity":
            return super().call(service, method, kwargs, **options)
        assert service == "crm"
        self.calls.append((method, dict(kwargs or {}), options.get("context")))
        return self.answers[method](dict(kwargs or {}))
