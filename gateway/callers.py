"""Who is calling: the verified bearer token (or nobody) turned into the call context.

Services trust the CallContext because only the gateway builds it, and only from a token
it verified; nothing in it is ever copied from a client's header except the trace ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request

from gateway.access_tokens import AccessClaims
from gateway.components import components
from gateway.request_log import bind_log_context
from shared.call_context import CallContext
from shared.errors import Unauthenticated


@dataclass(frozen=True)
class Caller:
    context: CallContext
    client_ip: str
    claims: AccessClaims | None = None

    @property
    def rate_limit_bucket(self) -> str:
        """Authenticated calls are limited per user, anonymous ones per client address."""
        if self.claims is not None:
            return f"user:{self.claims.user_id}"
        return f"ip:{self.client_ip}"


def bearer_token(headers: Any = None) -> str | None:
    header = (headers if headers is not None else request.headers).get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def identify_caller(*, required: bool) -> Caller:
    """The caller of this request; raises Unauthenticated when a token is required and bad."""
    req, ids = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    request_id, traceparent = ids.request_id, ids.traceparent
    client_ip = req.remote_addr or "unknown"
    token = bearer_token(req.headers)
    if not required:
        return Caller(CallContext(request_id=request_id, traceparent=traceparent), client_ip)
    if token is None:
        raise Unauthenticated("A bearer access token is required.")
    claims = components().verifier.verify(token)
    context = CallContext(
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        roles=(claims.role,),
        impersonator_id=claims.impersonator_id,
        request_id=request_id,
        traceparent=traceparent,
    )
    bind_log_context(context)
    return Caller(context=context, client_ip=client_ip, claims=claims)
