"""The one way views call the identity service: with the caller's context and its timeout."""

from __future__ import annotations

from typing import Any

from gateway.components import components
from gateway.endpoints import Call


def call_identity(call: Call, method: str, **kwargs: Any) -> Any:
    return components().rpc.call("identity", method, kwargs, context=call.caller.context)
