"""The `type` of every problem the gateway sends: a slug per HTTP status, each an anchor of
the API docs page (`/api/docs#problem-<slug>`). Free of Flask, so gunicorn's own error
writer (gunicorn_errors.py) names its problems from the same table as the app."""

from __future__ import annotations

PROBLEM_MEDIA_TYPE = "application/problem+json"

HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    417: "expectation-failed",
    422: "unprocessable",
    428: "precondition-required",
    429: "rate-limited",
    431: "headers-too-large",
    500: "internal",
    501: "not-implemented",
    503: "unavailable",
}


def problem_type(slug: str) -> str:
    """The `type` URI of a problem: an anchor in the API docs page that explains it."""
    return f"/api/docs#problem-{slug}"


def status_type(status: int) -> str:
    """The `type` URI for a bare HTTP status."""
    return problem_type(HTTP_SLUGS.get(status, "error"))
