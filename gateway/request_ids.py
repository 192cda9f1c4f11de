"""Request ids and W3C trace context: one id ties together every log line of a request.

A client's X-Request-ID is echoed when it is a sane token (so its own logs line up with
ours); anything else is replaced, so a header can never inject text into our logs.
"""

from __future__ import annotations

import re
import secrets
import uuid

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def request_id_from(header_value: str | None) -> str:
    """The client's id when it is 1..128 safe characters, otherwise a new UUID."""
    if header_value and _SANE_REQUEST_ID.fullmatch(header_value):
        return header_value
    return str(uuid.uuid4())


def traceparent_from(header_value: str | None) -> str:
    """A traceparent for our hop: the caller's trace continued with a new span, or a new trace."""
    match = _TRACEPARENT.fullmatch(header_value or "")
    if match and set(match.group(1)) != {"0"} and set(match.group(2)) != {"0"}:
        trace_id, flags = match.group(1), match.group(3)
    else:
        trace_id, flags = secrets.token_hex(16), "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def install_request_ids(app: Flask) -> None:
    """Give every request an id and a trace context, and put the id on every response."""

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.traceparent = traceparent_from(request.headers.get("traceparent"))

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" not in g:  # a failure before the first before_request hook
            g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        response.headers[REQUEST_ID_HEADER] = g.request_id
        if "traceparent" in g:
            response.headers["traceparent"] = g.traceparent
        return response
