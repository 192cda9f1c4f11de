"""Typed errors that cross the RPC wire and become problem+json at the gateway.

Domain code raises these; nameko serializes them as `{exc_path, exc_args, value}`;
the gateway's client rebuilds them with `error_from_wire` and maps `status` to HTTP.
Each class keeps its constructor arguments JSON-safe and positional, so `cls(*exc_args)`
rebuilds it exactly. Anything else that escapes a service is a 500 with no internals.
"""

from __future__ import annotations

from typing import Any


class BureauError(Exception):
    """Base of every error a client may see. `status` is the HTTP status it maps to."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(self, detail: str = "", extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra or {})
        self.detail = detail or self.title
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(BureauError):
    """Input is malformed. `errors` maps each field to its messages."""

    status = 400
    title = "Invalid request"
    slug = "validation"

    def __init__(
        self,
        detail: str = "",
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        BureauError.__init__(self, detail or "The request is invalid.", extra)
        self.args = (self.detail, errors or {}, self.extra)
        self.errors = errors or {}


class Unauthenticated(BureauError):
    status = 401
    title = "Unauthorized"
    slug = "unauthenticated"


class PermissionDenied(BureauError):
    status = 403
    title = "Forbidden"
    slug = "permission-denied"


class NotFound(BureauError):
    """Also what another tenant's object is: indistinguishable from a missing one."""

    status = 404
    title = "Not Found"
    slug = "not-found"


class Conflict(BureauError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(BureauError):
    """The object changed since the client read it (a stale If-Match)."""

    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"


class Unprocessable(BureauError):
    """Well-formed, but the rules refuse it (e.g. demoting the last owner)."""

    status = 422
    title = "Unprocessable Content"
    slug = "unprocessable"


class TooManyRequests(BureauError):
    status = 429
    title = "Too Many Requests"
    slug = "rate-limited"

    def __init__(
        self, detail: str = "", retry_after: int = 1, extra: dict[str, Any] | None = None
    ) -> None:
        BureauError.__init__(self, detail or "Too many requests.", extra)
        self.args = (self.detail, retry_after, self.extra)
        self.retry_after = int(retry_after)


class ServiceUnavailable(BureauError):
    status = 503
    title = "Service Unavailable"
    slug = "unavailable"


class RemoteError(BureauError):
    """An error from a service that is not one of ours: reported as a 500, no internals."""

    status = 500
    slug = "internal"


ERROR_CLASSES: dict[str, type[BureauError]] = {
    f"{cls.__module__}.{cls.__name__}": cls
    for cls in (
        BureauError,
        ValidationFailed,
        Unauthenticated,
        PermissionDenied,
        NotFound,
        Conflict,
        PreconditionFailed,
        Unprocessable,
        TooManyRequests,
        ServiceUnavailable,
    )
}
"""exc_path (as nameko writes it) -> class, for rebuilding errors on the client side."""


def error_from_wire(payload: dict[str, Any]) -> BureauError:
    """Rebuild an error from nameko's serialized form `{exc_type, exc_path, exc_args, value}`."""
    cls = ERROR_CLASSES.get(payload.get("exc_path") or "")
    if cls is not None:
        try:
            return cls(*(payload.get("exc_args") or ()))
        except TypeError:
            pass
    err = RemoteError("The service failed to handle the request.")
    err.extra = {"exc_type": payload.get("exc_type")}
    return err
