"""RFC 9457 problem details: the one shape of every error response the gateway sends.

Typed service errors, werkzeug's own HTTP errors and anything unexpected all end here, so a
client parses one format and never sees a stack trace or a service's internals.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from gateway.problem_types import PROBLEM_MEDIA_TYPE, problem_type, status_type
from shared.errors import BureauError, TooManyRequests, Unauthenticated, ValidationFailed

RETRY_AFTER_UNAVAILABLE_SECONDS = 5
"""What a 503 tells the client to wait before trying again."""

log = logging.getLogger("gateway.problems")


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else status_type(status),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "request_id": g.get("request_id", ""),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def response_for_error(error: BaseException) -> Response:
    """The problem response for any exception a request raised."""
    if isinstance(error, BureauError):
        return _from_bureau_error(error)
    if isinstance(error, HTTPException):
        return _from_http_exception(error)
    log.exception("unexpected error", exc_info=error)
    return problem_response(
        500, "Internal Server Error", "The request failed unexpectedly; quote the request id."
    )


def _from_bureau_error(error: BureauError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="bureau"'
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(max(1, error.retry_after))
    if error.status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE_SECONDS)
    if error.status >= 500:
        if error.status == 500:
            log.error("service error: %s", error.extra or type(error).__name__)
        detail = (
            "A service is unavailable; try again shortly."
            if error.status == 503
            else "The request failed unexpectedly; quote the request id."
        )
        return problem_response(error.status, error.title, detail, headers=headers)
    errors = error.errors if isinstance(error, ValidationFailed) else None
    return problem_response(
        error.status, error.title, error.detail, slug=error.slug, errors=errors, headers=headers
    )


def _from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="bureau"'
    detail = error.description or error.name
    if status >= 500:
        detail = "The request failed unexpectedly; quote the request id."
    return problem_response(status, error.name, detail, headers=headers)


def install_problem_handlers(app: Flask) -> None:
    """Route every error raised while handling a request to `response_for_error`."""
    app.register_error_handler(BureauError, response_for_error)
    app.register_error_handler(HTTPException, response_for_error)
    app.register_error_handler(Exception, response_for_error)
