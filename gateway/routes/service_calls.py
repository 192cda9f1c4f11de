"""The one way views call a service: with the caller's context and the client's timeout."""

from __future__ import annotations

from typing import Any

from gateway.components import components
from gateway.endpoints import Call


def call_service(call: Call, service: str, method: str, **kwargs: Any) -> Any:
    return components().rpc.call(service, method, kwargs, context=call.caller.context)


def call_page(call: Call, service: str, method: str, **kwargs: Any) -> bytes:
    """A list method's page as the JSON text the service wrote, for `page_response`: the
    gateway passes a page on as it came, without decoding and encoding it again."""
    return components().rpc.call_json(service, method, kwargs, context=call.caller.context)


def call_identity(call: Call, method: str, **kwargs: Any) -> Any:
    return call_service(call, "identity", method, **kwargs)


def call_crm(call: Call, method: str, **kwargs: Any) -> Any:
    return call_service(call, "crm", method, **kwargs)
