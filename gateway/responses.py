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


_PAGE_KEY = b',"page":'


def page_meta(page: bytes) -> dict[str, Any]:
    """The `page` object of a page's JSON text, read alone where it can be.

    paginate writes `{"data": [...], "page": {...}}`, so `page` is the last key: an
    unescaped `,"page":` cannot occur inside a JSON string, and only a top-level last
    key leaves valid JSON once the final brace is cut off. Any other text is decoded
    whole."""
    at = page.rfind(_PAGE_KEY)
    if at >= 0 and page.endswith(b"}"):
        try:
            meta = orjson.loads(page[at + len(_PAGE_KEY):-1])
        except orjson.JSONDecodeError:
            pass
        else:
            if isinstance(meta, dict):
                return meta
    return orjson.loads(page)["page"]  # type: ignore[no-any-return]


def page_response(page: bytes) -> Response:
    """The service's page, as the JSON text it wrote, with a Link header when there is a
    next page."""
    cursor = page_meta(page).get("next_cursor")
    link = next_page_link(request.path, request.args.to_dict(), cursor)
    response = Response(page, mimetype="application/json")
    if link:
        response.headers["Link"] = link
    return response
