"""The `Link: <...>; rel="next"` header of a list page.

The URL is relative to the request (RFC 8288 allows a URI reference), so it stays right
behind any proxy: the same path and query with the page's next cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode


def next_page_link(path: str, query: Mapping[str, str], next_cursor: str | None) -> str | None:
    """The Link header value for the next page, or None on the last page."""
    if not next_cursor:
        return None
    params = {k: v for k, v in query.items() if k != "cursor"}
    params["cursor"] = next_cursor
    return f'<{path}?{urlencode(params)}>; rel="next"'
