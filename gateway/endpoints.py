"""One declaration per endpoint: its route, input schemas, responses and the request pipeline.

The same declaration drives validation and the OpenAPI document, so the document cannot
drift from what the gateway accepts. Pipeline: caller -> rate limit -> query -> (idempotency
for POST) -> body -> view.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import Schema

from gateway.callers import Caller, identify_caller
from gateway.components import components
from gateway.idempotency import (
    REPLAYED_HEADERS,
    IdempotencyStore,
    StoredResponse,
    checked_key,
    fingerprint,
)
from gateway.problems import response_for_error
from gateway.request_input import limit_body, load_json_body, load_query, load_text_body
from shared.errors import BureauError, Unauthenticated


@dataclass(frozen=True)
class EndpointSpec:
    """Everything the pipeline and the OpenAPI document know about one operation."""

    method: str
    rule: str
    operation_id: str
    summary: str
    tag: str
    auth: bool = True
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    etag: bool = False
    if_match: bool = False
    paginated: bool = False
    location: bool = False
    description: str = ""
    raw_body: str | None = None
    """A media type (e.g. `text/csv`): the body is that text, not JSON (`Call.text`)."""
    max_body_bytes: int | None = None
    """This endpoint's body limit, instead of the app's (BUREAU_MAX_BODY_BYTES)."""
    response_media_type: str = "application/json"


@dataclass(frozen=True)
class Call:
    """What a view receives: the caller and its loaded input."""

    caller: Caller
    query: dict[str, Any]
    body: dict[str, Any]
    text: str | None = None
    """The decoded body of a `raw_body` endpoint."""


View = Callable[..., Response]


def endpoint(bp: Blueprint, rule: str, method: str, **spec: Any) -> Callable[[View], View]:
    """Register `view(call, **path_args)` on `bp` under `rule` with the standard pipeline."""

    def register(view: View) -> View:
        declared = EndpointSpec(method=method, rule=rule, operation_id=view.__name__, **spec)
        query_schema = declared.query() if declared.query else None
        body_schema = declared.body() if declared.body else None

        @functools.wraps(view)
        def handle(**path_args: Any) -> Response:
            if declared.max_body_bytes is not None:
                limit_body(declared.max_body_bytes)
            try:
                caller = identify_caller(required=declared.auth)
            except Unauthenticated:  # guessing tokens counts against the address's limit
                components().rate_limiter.check(
                    f"ip:{request.remote_addr or 'unknown'}", authenticated=False
                )
                raise
            components().rate_limiter.check(
                caller.rate_limit_bucket, authenticated=caller.claims is not None
            )
            query = load_query(query_schema)

            def run() -> Response:
                if declared.raw_body is not None:
                    text = load_text_body(declared.raw_body)
                    return view(Call(caller, query, {}, text), **path_args)
                body = load_json_body(body_schema) if body_schema else {}
                return view(Call(caller, query, body), **path_args)

            key = request.headers.get("Idempotency-Key")
            if method == "POST" and key is not None:
                return _idempotent(run, caller, checked_key(key))
            return run()

        handle.endpoint_spec = declared  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handle, methods=[method])
        return handle

    return register


def _idempotent(run: Callable[[], Response], caller: Caller, key: str) -> Response:
    store: IdempotencyStore = components().idempotency
    context = caller.context
    scope = context.tenant_id or "anonymous"
    principal = context.user_id or f"ip:{caller.client_ip}"
    storage_key = store.storage_key(scope, principal, key)
    print_ = fingerprint(request.method, request.path, request.get_data(cache=True))
    stored = store.claim(storage_key, print_)
    if stored is not None:
        replay = Response(stored.body, status=stored.status)
        replay.headers.update(stored.headers)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = run()
    except BureauError as error:
        response = response_for_error(error)
    except Exception:
        store.release(storage_key)
        raise
    headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
    store.complete(storage_key, print_, StoredResponse(response.status_code, headers,
                                                       response.get_data()))
    return response

