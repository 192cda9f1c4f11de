"""Request ids and W3C trace context: one id ties together every log line of a request.

A client's X-Request-ID is echoed when it is a sane token (so its own logs line up with
ours); anything else is replaced, so a header can never inject text into our logs.
"""

from __future__ import annotations

import os
import re

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def _uuid4_text(random: bytes) -> str:
    """A version 4 UUID's text from 16 random bytes (what str(uuid.uuid4()) makes, without
    the object or a read of the system's randomness of its own)."""
    h = random.hex()
    variant = "89ab"[(random[8] >> 4) & 3]  # the high nibble of byte 8, as 10xx
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def request_id_from(header_value: str | None, random: bytes | None = None) -> str:
    """The client's id when it is 1..128 safe characters, otherwise a new UUID (from
    `random`'s 16 bytes when given)."""
    if header_value and _SANE_REQUEST_ID.fullmatch(header_value):
        return header_value
    return _uuid4_text(random if random is not None else os.urandom(16))


def traceparent_from(header_value: str | None, random: bytes | None = None) -> str:
    """A traceparent for our hop: the caller's trace continued with a new span, or a new
    trace. `random` (24 bytes: the trace id's 16, then the span id's 8) saves reading the
    system's randomness twice per request."""
    random = random if random is not None else os.urandom(24)
    match = _TRACEPARENT.fullmatch(header_value or "")
    if match and set(match.group(1)) != {"0"} and set(match.group(2)) != {"0"}:
        trace_id, flags = match.group(1), match.group(3)
    else:
        trace_id, flags = random[:16].hex(), "01"
    return f"00-{trace_id}-{random[16:24].hex()}-{flags}"


def install_request_ids(app: Flask) -> None:
    """Give every request an id and a trace context, and put the id on every response."""

    @app.before_request
    def assign_request_id() -> None:
        headers = request.headers
        random = os.urandom(40)  # one read for the id, the trace and the span
        g.request_id = request_id_from(headers.get(REQUEST_ID_HEADER), random[:16])
        g.traceparent = traceparent_from(headers.get("traceparent"), random[16:])

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" not in g:  # a failure before the first before_request hook
            g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        response.headers[REQUEST_ID_HEADER] = g.request_id
        if "traceparent" in g:
            response.headers["traceparent"] = g.traceparent
        return response
