"""One JSON log line per request, carrying its request id (and tenant and user once known).

The gateway sets `shared.call_context.current` for the request, so every record logged while
handling it (by us or a library) carries the same ids the services log for that request.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from shared.call_context import CallContext, current

log = logging.getLogger("gateway.requests")


def bind_log_context(context: CallContext) -> None:
    """Make `context` the one log records of this request carry."""
    current.set(context)


def install_request_log(app: Flask) -> None:
    @app.before_request
    def bind_request_id() -> None:
        g.log_started_at = time.perf_counter()
        bind_log_context(CallContext(request_id=g.get("request_id")))

    @app.after_request
    def log_request(response: Response) -> Response:
        if not log.isEnabledFor(logging.INFO):
            return response
        started = g.get("log_started_at")
        req = request._get_current_object()  # type: ignore[attr-defined]
        log.info(
            "request",
            extra={
                "method": req.method,
                "route": req.url_rule.rule if req.url_rule else None,
                "path": req.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)
                if started is not None
                else None,
            },
        )
        return response

    @app.teardown_request
    def unbind(_: BaseException | None) -> None:
        current.set(CallContext())
