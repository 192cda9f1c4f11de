"""CORS for browser clients on an allow-list of origins (BUREAU_CORS_ORIGINS).

Tokens travel in the Authorization header, never cookies, so credentials are not allowed
and a preflight is answered here without touching any view.
"""

from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-ID, traceparent"
)
EXPOSED_HEADERS = "ETag, Link, X-Request-ID, Location, Retry-After, Idempotent-Replayed"
PREFLIGHT_MAX_AGE_SECONDS = 600


def install_cors(app: Flask, origins: tuple[str, ...]) -> None:
    allowed = frozenset(origins)

    @app.before_request
    def answer_preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        response = Response(status=204)
        if request.headers.get("Origin") in allowed:
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        return response

    @app.after_request
    def allow_origin(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if "Vary" in response.headers:
            response.vary.add("Origin")
        else:  # the common case, without parsing and rewriting the header set
            response.headers["Vary"] = "Origin"
        if origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
