"""gunicorn's own error responses as problem+json, like every other error of the API.

A request line past `limit_request_line` (414), too many or too large headers (431) or a
request gunicorn cannot parse (400) never reaches Flask: gunicorn answers it itself with
an HTML page, through `gunicorn.util.write_error`. `install()` (called from
gunicorn_conf.py, so in the master before workers fork) replaces that one function, so the
client gets RFC 9457 problem details with the same fields as Flask's errors. The detail
names the limit, never echoes the request (which may be kilobytes, or not text).
"""

from __future__ import annotations

import json
import socket
import uuid
from http import HTTPStatus

from gunicorn import util

from gateway.problem_types import PROBLEM_MEDIA_TYPE, status_type

_DETAILS = {
    414: "The request line (method, path and query) is longer than 8190 bytes.",
    431: "The request's headers are too many or too large.",
    500: "The request failed unexpectedly.",
}


def problem_bytes(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 response (closing the connection) with a problem body, and a
    fresh request id in the body and `X-Request-ID` (the request's own was not read)."""
    request_id = str(uuid.uuid4())
    body = json.dumps({
        "type": status_type(status),
        "title": reason or HTTPStatus(status).phrase,
        "status": status,
        "detail": _DETAILS.get(status, "The request is malformed HTTP."),
        "instance": "",  # the request was not read as one: nothing to name
        "request_id": request_id,
    }).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: {PROBLEM_MEDIA_TYPE}\r\nX-Request-ID: {request_id}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `write_error(sock, status_int, reason, mesg)`, answering problem+json."""
    util.write_nonblock(sock, problem_bytes(status_int, reason))


def install() -> None:
    util.write_error = write_problem
